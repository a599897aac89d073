"""Final marks of periods and years (итоговые отметки) and their append-only history.

Revision ID: 0008_final_marks
Revises: 0007_lesson_slots_and_closing
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision: str = "0008_final_marks"
down_revision: str | None = "0007_lesson_slots_and_closing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VALUES = "('1', '2', '3', '4', '5', 'н/а', 'осв', 'зч')"


def _uuid(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, UUID(as_uuid=True), nullable=nullable)


def _fk(
    table: str, column: str, referred: str, referred_column: str = "id"
) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{referred}.{referred_column}"], name=f"fk_{table}_{column}_{referred}"
    )


def upgrade() -> None:
    # One final mark per student, subject and term; the term is the period, or the year
    # for the year's mark (a non-null key, so the unique constraint needs no NULL rules).
    op.create_table(
        "final_marks",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        _uuid("school_id"),
        _uuid("student_id"),
        _uuid("subject_id"),
        _uuid("class_id"),
        _uuid("assignment_id"),
        _uuid("year_id"),
        _uuid("period_id", nullable=True),
        _uuid("term_id"),
        sa.Column("value", sa.String(3)),
        sa.Column("version", sa.Integer(), nullable=False),
        _uuid("set_by"),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True)),
        _uuid("removed_by", nullable=True),
        sa.UniqueConstraint(
            "student_id", "subject_id", "term_id", name="uq_final_marks_student_subject_term"
        ),
        sa.CheckConstraint(f"value IN {VALUES}", name="ck_final_marks_value_known"),
        sa.CheckConstraint(
            "term_id = coalesce(period_id, year_id)", name="ck_final_marks_term_is_period_or_year"
        ),
        sa.CheckConstraint(
            "(value IS NULL) = (removed_at IS NOT NULL)", name="ck_final_marks_removed_has_no_value"
        ),
        _fk("final_marks", "student_id", "students"),
        _fk("final_marks", "subject_id", "subjects"),
        _fk("final_marks", "class_id", "classes"),
        _fk("final_marks", "assignment_id", "assignments"),
        _fk("final_marks", "year_id", "academic_years"),
        _fk("final_marks", "period_id", "periods"),
    )
    op.create_table(
        "final_mark_history",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        _uuid("school_id"),
        _uuid("final_mark_id"),
        sa.Column("version", sa.Integer(), nullable=False),
        _uuid("changed_by"),
        sa.Column(
            "changed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("old_value", sa.String(3)),
        sa.Column("new_value", sa.String(3)),
        sa.Column("reason", sa.Text(), nullable=False),
        _fk("final_mark_history", "final_mark_id", "final_marks"),
    )
    op.create_index("ix_final_mark_history_final_mark_id", "final_mark_history", ["final_mark_id"])
    # Append-only like mark_history (DESIGN §8), for every role the application's included.
    op.execute(
        """
        CREATE FUNCTION final_mark_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'final_mark_history is append-only (% refused)', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER final_mark_history_no_update_or_delete BEFORE UPDATE OR DELETE"
        " ON final_mark_history FOR EACH ROW EXECUTE FUNCTION final_mark_history_append_only()"
    )
    op.execute(
        "CREATE TRIGGER final_mark_history_no_truncate BEFORE TRUNCATE ON final_mark_history"
        " FOR EACH STATEMENT EXECUTE FUNCTION final_mark_history_append_only()"
    )


def downgrade() -> None:
    op.drop_table("final_mark_history")
    op.execute("DROP FUNCTION final_mark_history_append_only()")
    op.drop_table("final_marks")
