"""Homework of a lesson: its due date and its attachments (kept in journal's database).

Revision ID: 0010_journal_page
Revises: 0009_period_closing
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision: str = "0010_journal_page"
down_revision: str | None = "0009_period_closing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # When the homework is due (by default the assignment's next lesson).
    op.add_column("lessons", sa.Column("homework_due_on", sa.Date()))
    # The files of a lesson's homework, bytes included: a backup of journal's database
    # covers them, and they come and go in the same transaction as the lesson's version.
    op.create_table(
        "homework_attachments",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("school_id", UUID(as_uuid=True), nullable=False),
        sa.Column("lesson_id", UUID(as_uuid=True), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", UUID(as_uuid=True), nullable=False),
        sa.Column(
            "uploaded_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
        sa.PrimaryKeyConstraint("id", name="pk_homework_attachments"),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name="fk_homework_attachments_lesson_id_lessons",
        ),
        sa.CheckConstraint(
            "size = octet_length(content)", name="ck_homework_attachments_size_is_content_length"
        ),
    )
    op.create_index("ix_homework_attachments_lesson_id", "homework_attachments", ["lesson_id"])


def downgrade() -> None:
    op.drop_index("ix_homework_attachments_lesson_id", "homework_attachments")
    op.drop_table("homework_attachments")
    op.drop_column("lessons", "homework_due_on")
