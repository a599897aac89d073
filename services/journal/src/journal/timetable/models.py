"""The bell schedule and the weekly timetable."""

import datetime as dt
import uuid

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    SmallInteger,
    Time,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from journal.base import Base, created_at_column, new_id


class BellSchedule(Base):
    """A school's one bell schedule (звонки); its `version` orders changes of the whole."""

    __tablename__ = "bell_schedules"

    school_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("schools.id"), primary_key=True
    )
    version: Mapped[int]
    updated_at: Mapped[dt.datetime] = created_at_column()


class BellLesson(Base):
    """When lesson `lesson_number` of the school day starts and ends (school time)."""

    __tablename__ = "bell_lessons"
    __table_args__ = (
        CheckConstraint("lesson_number BETWEEN 1 AND 12", name="lesson_number_in_day"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    school_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("bell_schedules.school_id", ondelete="CASCADE"),
        primary_key=True,
    )
    lesson_number: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    starts_at: Mapped[dt.time] = mapped_column(Time)
    ends_at: Mapped[dt.time] = mapped_column(Time)


class TimetableEntry(Base):
    """A weekly slot (weekday 1 = Monday .. 6 = Saturday, lesson number) of a class or one
    of its groups, given by an assignment, valid from `valid_from` to `valid_to`
    (inclusive; open end NULL). A timetable changes mid-year by ending entries and adding
    new ones, so the lessons already held keep the timetable they followed.

    `class_id` and `teacher_id` repeat the assignment's (they never change) so that the
    conflict checks find a slot's entries by class and by teacher through one index each.
    """

    __tablename__ = "timetable_entries"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 1 AND 6", name="weekday_in_week"),
        CheckConstraint("lesson_number BETWEEN 1 AND 12", name="lesson_number_in_day"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_to_after_from"),
        Index("ix_timetable_entries_class_slot", "class_id", "weekday", "lesson_number"),
        Index("ix_timetable_entries_teacher_slot", "teacher_id", "weekday", "lesson_number"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    assignment_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("assignments.id"), index=True
    )
    class_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("classes.id"))
    group_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("class_groups.id")
    )
    teacher_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    weekday: Mapped[int] = mapped_column(SmallInteger)
    lesson_number: Mapped[int] = mapped_column(SmallInteger)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int]
    created_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[dt.datetime] = created_at_column()
