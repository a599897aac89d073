"""the projections the reports need: schools, staff, enrollment facts, years, period
states, grading, curricula, thematic plans, lessons (state, topic, homework), mark entries,
attendance, final marks, activity; marks gain their lesson and teacher, assignments their
subject's name

The new tables start empty: `python -m reporting rebuild` fills them (and every other
projection) from the event log.

Revision ID: 0004_report_projections
Revises: 0003_relay_bytes
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision: str = "0004_report_projections"
down_revision: str | None = "0003_relay_bytes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = UUID(as_uuid=True)


def _id(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, ID, nullable=nullable)


def _version() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("version", sa.Integer(), nullable=False)


def _at(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.add_column("marks", _id("lesson_id", nullable=True))
    op.add_column("marks", sa.Column("lesson_date", sa.Date(), nullable=True))
    op.add_column("marks", _id("teacher_id", nullable=True))
    op.create_index("ix_marks_student_date", "marks", ["student_id", "lesson_date"])
    op.add_column("assignments", sa.Column("subject_name", sa.String(200), nullable=True))

    op.create_table(
        "schools",
        _id("school_id"),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        _version(),
        sa.PrimaryKeyConstraint("school_id", name="pk_schools"),
    )
    op.create_table(
        "staff",
        _id("account_id"),
        _id("school_id"),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("middle_name", sa.String(100), nullable=True),
        sa.Column("roles", JSONB(), nullable=False),
        _version(),
        sa.PrimaryKeyConstraint("account_id", name="pk_staff"),
    )
    op.create_table(
        "student_facts",
        _id("student_id"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        _id("school_id"),
        _id("class_id"),
        _id("from_class_id", nullable=True),
        sa.Column("on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("student_id", "version", "kind", name="pk_student_facts"),
    )
    op.create_index("ix_student_facts_school", "student_facts", ["school_id", "class_id"])
    op.create_table(
        "years",
        _id("year_id"),
        _id("school_id"),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("periods", JSONB(), nullable=False),
        sa.Column("holidays", JSONB(), nullable=False),
        _version(),
        sa.PrimaryKeyConstraint("year_id", name="pk_years"),
    )
    op.create_table(
        "period_states",
        _id("period_id"),
        _id("school_id"),
        _id("year_id"),
        sa.Column("closed", sa.Boolean(), nullable=False),
        _at("changed_at"),
        _version(),
        sa.PrimaryKeyConstraint("period_id", name="pk_period_states"),
    )
    op.create_table(
        "grading",
        _id("school_id"),
        sa.Column("rounding_rule", sa.String(20), nullable=False),
        sa.Column("min_marks_per_period", sa.SmallInteger(), nullable=False),
        sa.Column("late_entry_days", sa.SmallInteger(), nullable=False),
        sa.Column("half_year_grades", JSONB(), nullable=False),
        _version(),
        sa.PrimaryKeyConstraint("school_id", name="pk_grading"),
    )
    op.create_table(
        "curricula",
        _id("year_id"),
        sa.Column("grade", sa.SmallInteger(), nullable=False),
        _id("school_id"),
        sa.Column("weeks", sa.SmallInteger(), nullable=False),
        sa.Column("subjects", JSONB(), nullable=False),
        _version(),
        sa.PrimaryKeyConstraint("year_id", "grade", name="pk_curricula"),
    )
    op.create_table(
        "thematic_plans",
        _id("plan_id"),
        _id("school_id"),
        _id("assignment_id"),
        _id("year_id"),
        _id("class_id"),
        _id("subject_id"),
        sa.Column("planned_hours", sa.Integer(), nullable=False),
        sa.Column("items", JSONB(), nullable=False),
        _version(),
        sa.PrimaryKeyConstraint("plan_id", name="pk_thematic_plans"),
    )
    op.create_index("ix_thematic_plans_assignment", "thematic_plans", ["assignment_id"])
    op.create_table(
        "lessons",
        _id("lesson_id"),
        _id("school_id"),
        _id("assignment_id"),
        _id("class_id"),
        _id("group_id", nullable=True),
        _id("subject_id"),
        _id("teacher_id"),
        _id("substitute_id", nullable=True),
        sa.Column("lesson_date", sa.Date(), nullable=False),
        sa.Column("lesson_number", sa.SmallInteger(), nullable=True),
        sa.Column("topic", sa.String(500), nullable=True),
        sa.Column("homework", sa.String(4000), nullable=True),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        _version(),
        sa.PrimaryKeyConstraint("lesson_id", name="pk_lessons"),
    )
    op.create_index("ix_lessons_assignment_date", "lessons", ["assignment_id", "lesson_date"])
    op.create_index("ix_lessons_class_date", "lessons", ["school_id", "class_id", "lesson_date"])
    op.create_table(
        "lesson_topics",
        _id("lesson_id"),
        _id("school_id"),
        sa.Column("topic", sa.String(500), nullable=True),
        _id("plan_item_id", nullable=True),
        _at("set_at"),
        _version(),
        sa.PrimaryKeyConstraint("lesson_id", name="pk_lesson_topics"),
    )
    op.create_table(
        "lesson_homework",
        _id("lesson_id"),
        _id("school_id"),
        sa.Column("present", sa.Boolean(), nullable=False),
        _at("set_at"),
        _version(),
        sa.PrimaryKeyConstraint("lesson_id", name="pk_lesson_homework"),
    )
    op.create_table(
        "mark_entries",
        _id("mark_id"),
        _id("school_id"),
        _id("lesson_id"),
        sa.Column("lesson_date", sa.Date(), nullable=False),
        _id("teacher_id"),
        _at("posted_at"),
        sa.PrimaryKeyConstraint("mark_id", name="pk_mark_entries"),
    )
    op.create_table(
        "attendance",
        _id("lesson_id"),
        _id("student_id"),
        _id("school_id"),
        _id("class_id"),
        _id("subject_id"),
        _id("teacher_id"),
        sa.Column("lesson_date", sa.Date(), nullable=False),
        sa.Column("code", sa.String(4), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        _version(),
        sa.PrimaryKeyConstraint("lesson_id", "student_id", name="pk_attendance"),
    )
    op.create_index(
        "ix_attendance_class_date", "attendance", ["school_id", "class_id", "lesson_date"]
    )
    op.create_table(
        "final_marks",
        _id("final_mark_id"),
        _id("school_id"),
        _id("student_id"),
        _id("class_id"),
        _id("subject_id"),
        _id("assignment_id"),
        _id("teacher_id"),
        _id("year_id"),
        _id("period_id", nullable=True),
        sa.Column("value", sa.String(8), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        _version(),
        sa.PrimaryKeyConstraint("final_mark_id", name="pk_final_marks"),
    )
    op.create_index(
        "ix_final_marks_class_period", "final_marks", ["school_id", "class_id", "period_id"]
    )
    op.create_table(
        "activity",
        _id("event_id"),
        _id("school_id"),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        _id("account_id", nullable=True),
        sa.Column("roles", JSONB(), nullable=False),
        _at("occurred_at"),
        sa.PrimaryKeyConstraint("event_id", name="pk_activity"),
    )
    op.create_index("ix_activity_school_time", "activity", ["school_id", "occurred_at"])


TABLES = (
    "activity",
    "final_marks",
    "attendance",
    "mark_entries",
    "lesson_homework",
    "lesson_topics",
    "lessons",
    "thematic_plans",
    "curricula",
    "grading",
    "period_states",
    "years",
    "student_facts",
    "staff",
    "schools",
)


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
    op.drop_column("assignments", "subject_name")
    op.drop_index("ix_marks_student_date", table_name="marks")
    op.drop_column("marks", "teacher_id")
    op.drop_column("marks", "lesson_date")
    op.drop_column("marks", "lesson_id")
