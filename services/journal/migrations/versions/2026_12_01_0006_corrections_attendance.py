"""Corrections of marks (changed or removed, with a reason) and attendance with its history.

Revision ID: 0006_corrections_attendance
Revises: 0005_roster_history
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision: str = "0006_corrections_attendance"
down_revision: str | None = "0005_roster_history"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CODES = "('Н', 'Б', 'П', 'ОП')"


def _uuid(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, UUID(as_uuid=True), nullable=nullable)


def _at(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def upgrade() -> None:
    # A removed mark stays as a row (its history points at it, and its version goes on);
    # every read of current marks leaves out the removed ones.
    op.add_column("marks", sa.Column("removed_at", sa.DateTime(timezone=True)))
    op.add_column("marks", _uuid("removed_by", nullable=True))
    # The deputy's school-wide list of changes reads by school and time.
    op.create_index(
        "ix_mark_history_school_id_changed_at", "mark_history", ["school_id", "changed_at"]
    )

    # Only the exceptions are stored: a student with no row was present. A cleared cell
    # keeps its row with no code, so its version goes on increasing if it is set again.
    op.create_table(
        "attendance",
        _uuid("lesson_id"),
        _uuid("student_id"),
        _uuid("school_id"),
        sa.Column("code", sa.String(2)),
        sa.Column("version", sa.Integer(), nullable=False),
        _uuid("marked_by"),
        _at("marked_at"),
        sa.PrimaryKeyConstraint("lesson_id", "student_id", name="pk_attendance"),
        sa.CheckConstraint(f"code IN {CODES}", name="ck_attendance_code_known"),
        sa.ForeignKeyConstraint(
            ["lesson_id"], ["lessons.id"], name="fk_attendance_lesson_id_lessons"
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name="fk_attendance_student_id_students"
        ),
    )
    op.create_table(
        "attendance_history",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        _uuid("school_id"),
        _uuid("lesson_id"),
        _uuid("student_id"),
        sa.Column("version", sa.Integer(), nullable=False),
        _uuid("changed_by"),
        _at("changed_at"),
        sa.Column("old_code", sa.String(2)),
        sa.Column("new_code", sa.String(2)),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lesson_id", "student_id"],
            ["attendance.lesson_id", "attendance.student_id"],
            name="fk_attendance_history_cell_attendance",
        ),
    )
    op.create_index("ix_attendance_history_cell", "attendance_history", ["lesson_id", "student_id"])
    # Append-only like mark_history (DESIGN §8), for every role the application's included.
    op.execute(
        """
        CREATE FUNCTION attendance_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'attendance_history is append-only (% refused)', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER attendance_history_no_update_or_delete BEFORE UPDATE OR DELETE"
        " ON attendance_history FOR EACH ROW EXECUTE FUNCTION attendance_history_append_only()"
    )
    op.execute(
        "CREATE TRIGGER attendance_history_no_truncate BEFORE TRUNCATE ON attendance_history"
        " FOR EACH STATEMENT EXECUTE FUNCTION attendance_history_append_only()"
    )


def downgrade() -> None:
    op.drop_table("attendance_history")
    op.execute("DROP FUNCTION attendance_history_append_only()")
    op.drop_table("attendance")
    op.drop_index("ix_mark_history_school_id_changed_at", "mark_history")
    op.drop_column("marks", "removed_by")
    op.drop_column("marks", "removed_at")
