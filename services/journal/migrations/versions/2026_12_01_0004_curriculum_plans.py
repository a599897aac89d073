"""Curriculum hours per class level and year; thematic plans (КТП) per assignment and
year with their ordered items; a lesson's link to the plan item its topic follows.

Revision ID: 0004_curriculum_plans
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision: str = "0004_curriculum_plans"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _updated() -> tuple[sa.Column[object], sa.Column[object]]:
    return (
        sa.Column("updated_by", UUID(as_uuid=True), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )


def upgrade() -> None:
    op.create_table(
        "curriculum_levels",
        sa.Column(
            "year_id",
            UUID(as_uuid=True),
            sa.ForeignKey("academic_years.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("grade", sa.SmallInteger(), primary_key=True),
        sa.Column("school_id", UUID(as_uuid=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_updated(),
        sa.CheckConstraint("grade BETWEEN 1 AND 11", name="ck_curriculum_levels_grade_range"),
    )
    op.create_table(
        "curriculum_hours",
        sa.Column("year_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("grade", sa.SmallInteger(), primary_key=True),
        sa.Column("subject_id", UUID(as_uuid=True), sa.ForeignKey("subjects.id"), primary_key=True),
        sa.Column("weekly_hours", sa.Numeric(3, 1), nullable=False),
        sa.CheckConstraint(
            "weekly_hours > 0 AND weekly_hours <= 40",
            name="ck_curriculum_hours_weekly_hours_range",
        ),
    )
    op.create_table(
        "thematic_plans",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("school_id", UUID(as_uuid=True), nullable=False),
        sa.Column(
            "assignment_id",
            UUID(as_uuid=True),
            sa.ForeignKey("assignments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "year_id",
            UUID(as_uuid=True),
            sa.ForeignKey("academic_years.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        *_updated(),
        sa.UniqueConstraint(
            "assignment_id", "year_id", name="uq_thematic_plans_assignment_id_year_id"
        ),
    )
    op.create_index("ix_thematic_plans_year_id", "thematic_plans", ["year_id"])
    op.create_table(
        "thematic_plan_items",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "plan_id",
            UUID(as_uuid=True),
            sa.ForeignKey("thematic_plans.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("hours", sa.SmallInteger(), nullable=False),
        sa.Column("work_type", sa.String(32), nullable=True),
        sa.Column("planned_week", sa.SmallInteger(), nullable=True),
        sa.Column("planned_on", sa.Date(), nullable=True),
        sa.UniqueConstraint("plan_id", "position", name="uq_thematic_plan_items_plan_id_position"),
        sa.CheckConstraint("hours BETWEEN 1 AND 200", name="ck_thematic_plan_items_hours_range"),
        sa.CheckConstraint(
            "planned_week BETWEEN 1 AND 53", name="ck_thematic_plan_items_planned_week_range"
        ),
    )
    op.add_column(
        "lessons",
        sa.Column(
            "plan_item_id",
            UUID(as_uuid=True),
            sa.ForeignKey("thematic_plan_items.id", ondelete="SET NULL"),
            nullable=True,
        ),
    )
    op.create_index("ix_lessons_plan_item_id", "lessons", ["plan_item_id"])


def downgrade() -> None:
    op.drop_index("ix_lessons_plan_item_id", table_name="lessons")
    op.drop_column("lessons", "plan_item_id")
    op.drop_table("thematic_plan_items")
    op.drop_index("ix_thematic_plans_year_id", table_name="thematic_plans")
    op.drop_table("thematic_plans")
    op.drop_table("curriculum_hours")
    op.drop_table("curriculum_levels")
