"""The timetable: bell schedules, weekly timetable entries, lesson changes (groups,
substitutes, cancellations) with their history, and one lesson per assignment and slot.

Revision ID: 0011_timetable
Revises: 0010_journal_page (re-chained after the head of main)
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision: str = "0011_timetable"
down_revision: str | None = "0010_journal_page"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _uuid(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, UUID(as_uuid=True), nullable=nullable)


def _at(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def upgrade() -> None:
    op.create_table(
        "bell_schedules",
        _uuid("school_id"),
        sa.Column("version", sa.Integer(), nullable=False),
        _at("updated_at"),
        sa.PrimaryKeyConstraint("school_id", name="pk_bell_schedules"),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name="fk_bell_schedules_school_id_schools"
        ),
    )
    op.create_table(
        "bell_lessons",
        _uuid("school_id"),
        sa.Column("lesson_number", sa.SmallInteger(), nullable=False),
        sa.Column("starts_at", sa.Time(), nullable=False),
        sa.Column("ends_at", sa.Time(), nullable=False),
        sa.PrimaryKeyConstraint("school_id", "lesson_number", name="pk_bell_lessons"),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["bell_schedules.school_id"],
            name="fk_bell_lessons_school_id_bell_schedules",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(
            "lesson_number BETWEEN 1 AND 12", name="ck_bell_lessons_lesson_number_in_day"
        ),
        sa.CheckConstraint("ends_at > starts_at", name="ck_bell_lessons_ends_after_start"),
    )
    op.create_table(
        "timetable_entries",
        _uuid("id"),
        _uuid("school_id"),
        _uuid("assignment_id"),
        _uuid("class_id"),
        _uuid("group_id", nullable=True),
        _uuid("teacher_id"),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("lesson_number", sa.SmallInteger(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date()),
        sa.Column("version", sa.Integer(), nullable=False),
        _uuid("created_by"),
        _at("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_timetable_entries"),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignments.id"],
            name="fk_timetable_entries_assignment_id_assignments",
        ),
        sa.ForeignKeyConstraint(
            ["class_id"], ["classes.id"], name="fk_timetable_entries_class_id_classes"
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["class_groups.id"], name="fk_timetable_entries_group_id_class_groups"
        ),
        sa.CheckConstraint("weekday BETWEEN 1 AND 6", name="ck_timetable_entries_weekday_in_week"),
        sa.CheckConstraint(
            "lesson_number BETWEEN 1 AND 12", name="ck_timetable_entries_lesson_number_in_day"
        ),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_to >= valid_from",
            name="ck_timetable_entries_valid_to_after_from",
        ),
    )
    op.create_index("ix_timetable_entries_assignment_id", "timetable_entries", ["assignment_id"])
    op.create_index(
        "ix_timetable_entries_class_slot",
        "timetable_entries",
        ["class_id", "weekday", "lesson_number"],
    )
    op.create_index(
        "ix_timetable_entries_teacher_slot",
        "timetable_entries",
        ["teacher_id", "weekday", "lesson_number"],
    )

    op.add_column("lessons", _uuid("group_id", nullable=True))
    op.create_foreign_key(
        "fk_lessons_group_id_class_groups", "lessons", "class_groups", ["group_id"], ["id"]
    )
    op.add_column("lessons", _uuid("substitute_id", nullable=True))
    op.create_foreign_key(
        "fk_lessons_substitute_id_staff", "lessons", "staff", ["substitute_id"], ["account_id"]
    )
    op.add_column("lessons", sa.Column("cancelled_at", sa.DateTime(timezone=True)))
    op.add_column("lessons", sa.Column("cancel_reason", sa.Text()))
    op.create_unique_constraint(
        "uq_lessons_assignment_date_number", "lessons", ["assignment_id", "date", "lesson_number"]
    )
    op.create_index(
        "ix_lessons_school_id_date_lesson_number",
        "lessons",
        ["school_id", "date", "lesson_number"],
    )

    op.create_table(
        "lesson_history",
        _uuid("id"),
        _uuid("school_id"),
        _uuid("lesson_id"),
        _uuid("assignment_id"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        _uuid("changed_by"),
        _at("changed_at"),
        sa.Column("old_date", sa.Date()),
        sa.Column("old_lesson_number", sa.SmallInteger()),
        sa.Column("new_date", sa.Date(), nullable=False),
        sa.Column("new_lesson_number", sa.SmallInteger()),
        _uuid("substitute_id", nullable=True),
        sa.Column("reason", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_lesson_history"),
        sa.ForeignKeyConstraint(
            ["lesson_id"], ["lessons.id"], name="fk_lesson_history_lesson_id_lessons"
        ),
        sa.UniqueConstraint("lesson_id", "version", name="uq_lesson_history_lesson_id_version"),
        sa.CheckConstraint(
            "kind IN ('scheduled', 'moved', 'cancelled', 'substituted')",
            name="ck_lesson_history_kind_known",
        ),
    )
    # Generation skips the slots lessons were moved away from: found by assignment and slot.
    op.create_index(
        "ix_lesson_history_moved_from",
        "lesson_history",
        ["assignment_id", "old_date", "old_lesson_number"],
    )
    op.execute(
        """
        CREATE FUNCTION lesson_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'lesson_history is append-only';
        END;
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER lesson_history_no_update_or_delete BEFORE UPDATE OR DELETE"
        " ON lesson_history FOR EACH ROW EXECUTE FUNCTION lesson_history_append_only()"
    )
    op.execute(
        "CREATE TRIGGER lesson_history_no_truncate BEFORE TRUNCATE ON lesson_history"
        " FOR EACH STATEMENT EXECUTE FUNCTION lesson_history_append_only()"
    )


def downgrade() -> None:
    op.drop_table("lesson_history")
    op.execute("DROP FUNCTION lesson_history_append_only()")
    op.drop_index("ix_lessons_school_id_date_lesson_number", "lessons")
    op.drop_constraint("uq_lessons_assignment_date_number", "lessons", type_="unique")
    op.drop_column("lessons", "cancel_reason")
    op.drop_column("lessons", "cancelled_at")
    op.drop_constraint("fk_lessons_substitute_id_staff", "lessons", type_="foreignkey")
    op.drop_column("lessons", "substitute_id")
    op.drop_constraint("fk_lessons_group_id_class_groups", "lessons", type_="foreignkey")
    op.drop_column("lessons", "group_id")
    op.drop_table("timetable_entries")
    op.drop_table("bell_lessons")
    op.drop_table("bell_schedules")
