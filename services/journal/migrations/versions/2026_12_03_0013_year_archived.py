"""academic_years.archived_at and archive_manifest_sha256: the year sealed into the
archive (from archive.year.sealed.v1)

Revision ID: 0013_year_archived
Revises: 0012_token_revocations
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_year_archived"
down_revision: str | None = "0012_token_revocations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "academic_years", sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "academic_years", sa.Column("archive_manifest_sha256", sa.String(64), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("academic_years", "archive_manifest_sha256")
    op.drop_column("academic_years", "archived_at")
