"""guardianships: the link's version and an unlinked tombstone (journal.guardian.unlinked.v1)

Links recorded before are version 0: any link or unlink event of theirs is newer.

Revision ID: 0003_relay_bytes
Revises: 0002
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_relay_bytes"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "guardianships", sa.Column("version", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column(
        "guardianships",
        sa.Column("unlinked", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("guardianships", "unlinked")
    op.drop_column("guardianships", "version")
