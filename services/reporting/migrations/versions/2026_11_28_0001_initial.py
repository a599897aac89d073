"""initial: the event log, the marks, assignments and classes projections, outbox and inbox

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from shared.migrations import create_outbox_and_inbox, drop_outbox_and_inbox

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event_log",
        sa.Column("event_id", UUID(as_uuid=True), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("school_id", UUID(as_uuid=True), nullable=True),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("envelope", JSONB(), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
        sa.PrimaryKeyConstraint("event_id", name="pk_event_log"),
    )
    op.create_index("ix_event_log_received_at", "event_log", ["received_at"])
    # Append-only: the log is what projections are rebuilt from, so no row may change.
    op.execute(
        """
        CREATE FUNCTION event_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'event_log is append-only';
        END $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER event_log_append_only BEFORE UPDATE OR DELETE ON event_log
            FOR EACH ROW EXECUTE FUNCTION event_log_append_only()
        """
    )

    op.create_table(
        "marks",
        sa.Column("mark_id", UUID(as_uuid=True), nullable=False),
        sa.Column("school_id", UUID(as_uuid=True), nullable=False),
        sa.Column("class_id", UUID(as_uuid=True), nullable=False),
        sa.Column("subject_id", UUID(as_uuid=True), nullable=False),
        sa.Column("student_id", UUID(as_uuid=True), nullable=False),
        sa.Column("value", sa.SmallInteger(), nullable=False),
        sa.Column("weight", sa.SmallInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint("mark_id", name="pk_marks"),
    )
    op.create_index("ix_marks_class_subject", "marks", ["school_id", "class_id", "subject_id"])

    op.create_table(
        "assignments",
        sa.Column("assignment_id", UUID(as_uuid=True), nullable=False),
        sa.Column("school_id", UUID(as_uuid=True), nullable=False),
        sa.Column("teacher_id", UUID(as_uuid=True), nullable=False),
        sa.Column("class_id", UUID(as_uuid=True), nullable=False),
        sa.Column("subject_id", UUID(as_uuid=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("assignment_id", name="pk_assignments"),
    )
    op.create_index(
        "ix_assignments_class_subject", "assignments", ["school_id", "class_id", "subject_id"]
    )

    op.create_table(
        "classes",
        sa.Column("class_id", UUID(as_uuid=True), nullable=False),
        sa.Column("school_id", UUID(as_uuid=True), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("grade", sa.SmallInteger(), nullable=False),
        sa.Column("class_teacher_id", UUID(as_uuid=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("class_id", name="pk_classes"),
    )
    create_outbox_and_inbox()


def downgrade() -> None:
    drop_outbox_and_inbox()
    op.drop_table("classes")
    op.drop_index("ix_assignments_class_subject", table_name="assignments")
    op.drop_table("assignments")
    op.drop_index("ix_marks_class_subject", table_name="marks")
    op.drop_table("marks")
    op.execute("DROP TRIGGER event_log_append_only ON event_log")
    op.execute("DROP FUNCTION event_log_append_only()")
    op.drop_index("ix_event_log_received_at", table_name="event_log")
    op.drop_table("event_log")
