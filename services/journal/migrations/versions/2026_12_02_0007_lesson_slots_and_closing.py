"""Columns several journal domains build on: a lesson's number in the day and its version,
and the closing of periods and years.

Revision ID: 0007_lesson_slots_and_closing
Revises: 0006_corrections_attendance
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision: str = "0007_lesson_slots_and_closing"
down_revision: str | None = "0006_corrections_attendance"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The lesson's number in the school day (1 = first lesson); lessons created one by one
    # before the timetable existed have none and sort after the numbered ones of their day.
    op.add_column("lessons", sa.Column("lesson_number", sa.SmallInteger()))
    op.create_check_constraint("lesson_number_in_day", "lessons", "lesson_number BETWEEN 1 AND 12")
    # Topic, homework and slot edits are checked against this version (optimistic concurrency).
    op.add_column("lessons", sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    for table in ("periods", "academic_years"):
        op.add_column(table, sa.Column("closed_at", sa.DateTime(timezone=True)))
        op.add_column(table, sa.Column("closed_by", UUID(as_uuid=True)))


def downgrade() -> None:
    for table in ("academic_years", "periods"):
        op.drop_column(table, "closed_by")
        op.drop_column(table, "closed_at")
    op.drop_column("lessons", "version")
    op.drop_column("lessons", "lesson_number")
