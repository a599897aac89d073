"""Curriculum hours per class level and year; thematic plans per assignment and year."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from journal.base import Base, new_id


class CurriculumLevel(Base):
    """One class level's curriculum in one year: the aggregate its hours change as, so
    `version` orders `journal.curriculum.changed.v1` events and PUTs are serialised on it."""

    __tablename__ = "curriculum_levels"
    __table_args__ = (CheckConstraint("grade BETWEEN 1 AND 11", name="grade_range"),)

    year_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("academic_years.id", ondelete="CASCADE"), primary_key=True
    )
    grade: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    version: Mapped[int]
    updated_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class CurriculumHours(Base):
    """Weekly hours of a subject at a class level in a year, as the school's plan states
    them (halves allowed: 0.5 h a week is a lesson every other week)."""

    __tablename__ = "curriculum_hours"
    __table_args__ = (
        CheckConstraint("weekly_hours > 0 AND weekly_hours <= 40", name="weekly_hours_range"),
    )

    year_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    grade: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("subjects.id"), primary_key=True
    )
    weekly_hours: Mapped[Decimal] = mapped_column(Numeric(3, 1))


class ThematicPlan(Base):
    """The thematic plan (КТП) of one teaching assignment for one year."""

    __tablename__ = "thematic_plans"
    __table_args__ = (
        UniqueConstraint(
            "assignment_id", "year_id", name="uq_thematic_plans_assignment_id_year_id"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    assignment_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("assignments.id", ondelete="CASCADE")
    )
    year_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("academic_years.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    updated_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class ThematicPlanItem(Base):
    """A topic of a plan at its position; the id is stable, lessons link to it."""

    __tablename__ = "thematic_plan_items"
    __table_args__ = (
        UniqueConstraint("plan_id", "position", name="uq_thematic_plan_items_plan_id_position"),
        CheckConstraint("hours BETWEEN 1 AND 200", name="hours_range"),
        CheckConstraint("planned_week BETWEEN 1 AND 53", name="planned_week_range"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    plan_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("thematic_plans.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(SmallInteger)
    topic: Mapped[str] = mapped_column(Text)
    hours: Mapped[int] = mapped_column(SmallInteger)
    work_type: Mapped[str | None] = mapped_column(String(32))
    planned_week: Mapped[int | None] = mapped_column(SmallInteger)
    planned_on: Mapped[date | None] = mapped_column(Date)
