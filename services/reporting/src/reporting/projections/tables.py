"""The projections: reporting's read models of the other services' facts.

Rows of a state projection carry their aggregate's version and change only for a newer
one (shared.bulk.upsert_newer); removals are tombstones (`deleted`). Rows of a fact
projection (`mark_entries`, `student_facts`, `activity`) are written once and never
changed. Either way a projection ends the same whatever order its events arrive in, and
an event applied twice changes nothing.
"""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Index,
    Integer,
    SmallInteger,
    String,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from reporting.base import Base

Id = UUID(as_uuid=True)


class SchoolRow(Base):
    """A school as auth registered it: its name and time zone (days of activity)."""

    __tablename__ = "schools"

    school_id: Mapped[uuid.UUID] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    timezone: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)


class StaffRow(Base):
    """A staff account as auth created it (teachers' names for the control reports)."""

    __tablename__ = "staff"

    account_id: Mapped[uuid.UUID] = mapped_column(Id, primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(Id)
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    roles: Mapped[list[str]] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(Integer)


class ClassRow(Base):
    """A class of a school and its class teacher."""

    __tablename__ = "classes"

    class_id: Mapped[uuid.UUID] = mapped_column(Id, primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(Id)
    name: Mapped[str] = mapped_column(String(50))
    grade: Mapped[int] = mapped_column(SmallInteger)
    class_teacher_id: Mapped[uuid.UUID | None] = mapped_column(Id)
    version: Mapped[int] = mapped_column(Integer)


class AssignmentRow(Base):
    """A teaching assignment: who teaches which subject in which class."""

    __tablename__ = "assignments"
    __table_args__ = (Index("ix_assignments_class_subject", "school_id", "class_id", "subject_id"),)

    assignment_id: Mapped[uuid.UUID] = mapped_column(Id, primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(Id)
    teacher_id: Mapped[uuid.UUID] = mapped_column(Id)
    class_id: Mapped[uuid.UUID] = mapped_column(Id)
    subject_id: Mapped[uuid.UUID] = mapped_column(Id)
    # None only in rows projected before reporting kept it.
    subject_name: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)


class StudentFactRow(Base):
    """One fact of a student's enrollment history (`kind`: enrolled, transferred, left),
    at the student's version: the spells in classes are derived from all of them in
    version order (reporting.reports.enrollment)."""

    __tablename__ = "student_facts"
    __table_args__ = (Index("ix_student_facts_school", "school_id", "class_id"),)

    student_id: Mapped[uuid.UUID] = mapped_column(Id, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(Id)
    # The class joined (enrolled), left (left) or moved to (transferred).
    class_id: Mapped[uuid.UUID] = mapped_column(Id)
    from_class_id: Mapped[uuid.UUID | None] = mapped_column(Id)
    # The first day in the class (enrolled, transferred) or the last day (left); None
    # for a first-version enrollment, which carried no date.
    on: Mapped[date | None] = mapped_column(Date)


class YearRow(Base):
    """An academic year's calendar as its newest version says (periods and holidays)."""

    __tablename__ = "years"

    year_id: Mapped[uuid.UUID] = mapped_column(Id, primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(Id)
    name: Mapped[str] = mapped_column(String(50))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    # [{"period_id", "kind", "number", "starts_on", "ends_on"}]
    periods: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    holidays: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(Integer)


class PeriodStateRow(Base):
    """Whether a period is closed, as its newest closing or reopening says."""

    __tablename__ = "period_states"

    period_id: Mapped[uuid.UUID] = mapped_column(Id, primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(Id)
    year_id: Mapped[uuid.UUID] = mapped_column(Id)
    closed: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)


class GradingRow(Base):
    """A school's grading settings: rounding rule, minimum marks, late-entry threshold."""

    __tablename__ = "grading"

    school_id: Mapped[uuid.UUID] = mapped_column(Id, primary_key=True)
    rounding_rule: Mapped[str] = mapped_column(String(20))
    min_marks_per_period: Mapped[int] = mapped_column(SmallInteger)
    late_entry_days: Mapped[int] = mapped_column(SmallInteger)
    half_year_grades: Mapped[list[int]] = mapped_column(JSONB)
    # Class levels taught without marks (older events: the first grade, journal's default).
    unmarked_grades: Mapped[list[int]] = mapped_column(JSONB, server_default=text("'[1]'"))
    version: Mapped[int] = mapped_column(Integer)


class CurriculumRow(Base):
    """A year's curriculum for one class level: every subject's weekly and yearly hours."""

    __tablename__ = "curricula"

    year_id: Mapped[uuid.UUID] = mapped_column(Id, primary_key=True)
    grade: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(Id)
    weeks: Mapped[int] = mapped_column(SmallInteger)
    # [{"subject_id", "weekly_hours", "yearly_hours"}]
    subjects: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(Integer)


class ThematicPlanRow(Base):
    """A teaching assignment's thematic plan for a year, its items in order."""

    __tablename__ = "thematic_plans"
    __table_args__ = (Index("ix_thematic_plans_assignment", "assignment_id"),)

    plan_id: Mapped[uuid.UUID] = mapped_column(Id, primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(Id)
    assignment_id: Mapped[uuid.UUID] = mapped_column(Id)
    year_id: Mapped[uuid.UUID] = mapped_column(Id)
    class_id: Mapped[uuid.UUID] = mapped_column(Id)
    subject_id: Mapped[uuid.UUID] = mapped_column(Id)
    planned_hours: Mapped[int] = mapped_column(Integer)
    # [{"item_id", "position", "topic", "hours", "work_type", "planned_week", "planned_on"}]
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(Integer)


class LessonRow(Base):
    """A dated lesson's state as its newest lesson event says."""

    __tablename__ = "lessons"
    __table_args__ = (
        Index("ix_lessons_assignment_date", "assignment_id", "lesson_date"),
        Index("ix_lessons_class_date", "school_id", "class_id", "lesson_date"),
    )

    lesson_id: Mapped[uuid.UUID] = mapped_column(Id, primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(Id)
    assignment_id: Mapped[uuid.UUID] = mapped_column(Id)
    class_id: Mapped[uuid.UUID] = mapped_column(Id)
    group_id: Mapped[uuid.UUID | None] = mapped_column(Id)
    subject_id: Mapped[uuid.UUID] = mapped_column(Id)
    teacher_id: Mapped[uuid.UUID] = mapped_column(Id)
    substitute_id: Mapped[uuid.UUID | None] = mapped_column(Id)
    lesson_date: Mapped[date] = mapped_column(Date)
    lesson_number: Mapped[int | None] = mapped_column(SmallInteger)
    topic: Mapped[str | None] = mapped_column(String(500))
    homework: Mapped[str | None] = mapped_column(String(4000))
    cancelled: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)


class LessonTopicRow(Base):
    """A lesson's topic and plan item as its newest `topic_set` says (the lesson's
    version, shared with the lesson's other events: the newer of this and LessonRow's
    topic is the lesson's)."""

    __tablename__ = "lesson_topics"

    lesson_id: Mapped[uuid.UUID] = mapped_column(Id, primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(Id)
    topic: Mapped[str | None] = mapped_column(String(500))
    plan_item_id: Mapped[uuid.UUID | None] = mapped_column(Id)
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)


class LessonHomeworkRow(Base):
    """Whether a lesson has homework, as its newest homework event says (a clearing is
    the tombstone: `present` false)."""

    __tablename__ = "lesson_homework"

    lesson_id: Mapped[uuid.UUID] = mapped_column(Id, primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(Id)
    present: Mapped[bool] = mapped_column(Boolean)
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)


class MarkRow(Base):
    """A mark as the latest version known says; a removed mark stays as a tombstone."""

    __tablename__ = "marks"
    __table_args__ = (
        Index("ix_marks_class_subject", "school_id", "class_id", "subject_id"),
        Index("ix_marks_student_date", "student_id", "lesson_date"),
    )

    mark_id: Mapped[uuid.UUID] = mapped_column(Id, primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(Id)
    class_id: Mapped[uuid.UUID] = mapped_column(Id)
    subject_id: Mapped[uuid.UUID] = mapped_column(Id)
    student_id: Mapped[uuid.UUID] = mapped_column(Id)
    value: Mapped[int] = mapped_column(SmallInteger)
    # The weight at posting: counted only while reporting knows no weight of the work type
    # (WorkTypeRow), which averages use instead (docs/architecture.md, "School structure").
    weight: Mapped[int] = mapped_column(SmallInteger)
    # The work type's code; None only in rows projected before reporting kept it.
    work_type: Mapped[str | None] = mapped_column(String(32))
    # None only in rows projected before reporting kept them.
    lesson_id: Mapped[uuid.UUID | None] = mapped_column(Id)
    lesson_date: Mapped[date | None] = mapped_column(Date)
    teacher_id: Mapped[uuid.UUID | None] = mapped_column(Id)
    version: Mapped[int] = mapped_column(Integer)
    deleted: Mapped[bool] = mapped_column(Boolean, server_default=false())


class MarkEntryRow(Base):
    """When a mark was first entered (its `posted` event): whether it came late."""

    __tablename__ = "mark_entries"

    mark_id: Mapped[uuid.UUID] = mapped_column(Id, primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(Id)
    lesson_id: Mapped[uuid.UUID] = mapped_column(Id)
    lesson_date: Mapped[date] = mapped_column(Date)
    teacher_id: Mapped[uuid.UUID] = mapped_column(Id)
    posted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WorkTypeRow(Base):
    """A work type of a school as its latest `journal.work_type.changed.v1` says: its
    current weight is the one every average gives the marks of its code."""

    __tablename__ = "work_types"

    school_id: Mapped[uuid.UUID] = mapped_column(Id, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    work_type_id: Mapped[uuid.UUID] = mapped_column(Id)
    weight: Mapped[int] = mapped_column(SmallInteger)
    version: Mapped[int] = mapped_column(Integer)


class AttendanceRow(Base):
    """A student's attendance of a lesson (the exceptions only); a clearing leaves a
    tombstone (`deleted`, no code)."""

    __tablename__ = "attendance"
    __table_args__ = (Index("ix_attendance_class_date", "school_id", "class_id", "lesson_date"),)

    lesson_id: Mapped[uuid.UUID] = mapped_column(Id, primary_key=True)
    student_id: Mapped[uuid.UUID] = mapped_column(Id, primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(Id)
    class_id: Mapped[uuid.UUID] = mapped_column(Id)
    subject_id: Mapped[uuid.UUID] = mapped_column(Id)
    teacher_id: Mapped[uuid.UUID] = mapped_column(Id)
    lesson_date: Mapped[date] = mapped_column(Date)
    code: Mapped[str | None] = mapped_column(String(4))
    deleted: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)


class FinalMarkRow(Base):
    """A student's final mark of a subject for a period (or the year: no period)."""

    __tablename__ = "final_marks"
    __table_args__ = (Index("ix_final_marks_class_period", "school_id", "class_id", "period_id"),)

    final_mark_id: Mapped[uuid.UUID] = mapped_column(Id, primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(Id)
    student_id: Mapped[uuid.UUID] = mapped_column(Id)
    class_id: Mapped[uuid.UUID] = mapped_column(Id)
    subject_id: Mapped[uuid.UUID] = mapped_column(Id)
    assignment_id: Mapped[uuid.UUID] = mapped_column(Id)
    teacher_id: Mapped[uuid.UUID] = mapped_column(Id)
    year_id: Mapped[uuid.UUID] = mapped_column(Id)
    period_id: Mapped[uuid.UUID | None] = mapped_column(Id)
    # '1'..'5', 'н/а', 'осв', 'зч'
    value: Mapped[str] = mapped_column(String(8))
    deleted: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)


class ActivityRow(Base):
    """One action for the weekly activity report: a sign-in, a mark entered, a lesson
    filled (topic or homework), by whom (the account) and when; written once per event."""

    __tablename__ = "activity"
    __table_args__ = (Index("ix_activity_school_time", "school_id", "occurred_at"),)

    event_id: Mapped[uuid.UUID] = mapped_column(Id, primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(Id)
    event_type: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    # None for a message sent: messaging's event names the sender's roles, not the sender.
    account_id: Mapped[uuid.UUID | None] = mapped_column(Id)
    roles: Mapped[list[str]] = mapped_column(JSONB)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


__all__ = [
    "ActivityRow",
    "AssignmentRow",
    "AttendanceRow",
    "ClassRow",
    "CurriculumRow",
    "FinalMarkRow",
    "GradingRow",
    "LessonHomeworkRow",
    "LessonRow",
    "LessonTopicRow",
    "MarkEntryRow",
    "MarkRow",
    "PeriodStateRow",
    "SchoolRow",
    "StaffRow",
    "StudentFactRow",
    "ThematicPlanRow",
    "WorkTypeRow",
    "YearRow",
]
