"""report_snapshots: reports produced on schedule, with their parameters

Revision ID: 0005_report_snapshots
Revises: 0004_report_projections
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision: str = "0005_report_snapshots"
down_revision: str | None = "0004_report_projections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_snapshots",
        sa.Column("report_id", UUID(as_uuid=True), nullable=False),
        sa.Column("school_id", UUID(as_uuid=True), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("period_id", UUID(as_uuid=True), nullable=True),
        sa.Column("params", JSONB(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", JSONB(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("report_id", name="pk_report_snapshots"),
    )
    op.create_index("ix_report_snapshots_school", "report_snapshots", ["school_id", "created_at"])


def downgrade() -> None:
    op.drop_table("report_snapshots")
