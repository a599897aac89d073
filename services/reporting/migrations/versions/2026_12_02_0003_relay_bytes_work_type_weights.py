"""marks: their work type; work_types: the current weight of each, which averages use

Both are filled from the event log, so a database migrated with marks and work type
changes already received averages by the current weights at once.

Revision ID: 0003_relay_bytes
Revises: 0002
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision: str = "0003_relay_bytes"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("marks", sa.Column("work_type", sa.String(32), nullable=True))
    op.create_table(
        "work_types",
        sa.Column("school_id", UUID(as_uuid=True), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("work_type_id", UUID(as_uuid=True), nullable=False),
        sa.Column("weight", sa.SmallInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("school_id", "code", name="pk_work_types"),
    )
    # Each mark's work type as its stored version's event said.
    op.execute(
        """
        UPDATE marks AS m SET work_type = e.envelope -> 'data' ->> 'work_type'
        FROM event_log AS e
        WHERE e.event_type IN (
                'journal.mark.posted.v1', 'journal.mark.changed.v1', 'journal.mark.removed.v1'
            )
            AND e.subject = 'mark/' || m.mark_id::text
            AND e.version = m.version
        """
    )
    # Each work type's newest change.
    op.execute(
        """
        INSERT INTO work_types (school_id, code, work_type_id, weight, version)
        SELECT DISTINCT ON (school_id, envelope -> 'data' ->> 'code')
            school_id, envelope -> 'data' ->> 'code',
            (envelope -> 'data' ->> 'work_type_id')::uuid,
            (envelope -> 'data' ->> 'weight')::smallint, version
        FROM event_log
        WHERE event_type = 'journal.work_type.changed.v1' AND school_id IS NOT NULL
        ORDER BY school_id, envelope -> 'data' ->> 'code', version DESC
        """
    )


def downgrade() -> None:
    op.drop_table("work_types")
    op.drop_column("marks", "work_type")
