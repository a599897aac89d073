"""Lessons."""

import datetime as dt
import uuid

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from journal.base import Base, created_at_column, new_id


class Lesson(Base):
    """A lesson held (or planned) for an assignment on a date.

    `class_id` and `subject_id` repeat the assignment's (they never change) so that the
    diary, the hottest read, finds a class's lessons by date through one index.
    """

    __tablename__ = "lessons"
    __table_args__ = (
        Index("ix_lessons_class_id_date", "class_id", "date"),
        # A slot's lessons across the school: the teacher's clashes of a move or a new lesson.
        Index("ix_lessons_school_id_date_lesson_number", "school_id", "date", "lesson_number"),
        CheckConstraint("lesson_number BETWEEN 1 AND 12", name="lesson_number_in_day"),
        # One lesson of an assignment per slot: what makes generating from the timetable
        # idempotent (lessons without a number are not constrained: NULLs are distinct).
        UniqueConstraint(
            "assignment_id", "date", "lesson_number", name="uq_lessons_assignment_date_number"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    assignment_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("assignments.id"), index=True
    )
    class_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("classes.id"))
    subject_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("subjects.id"))
    date: Mapped[dt.date] = mapped_column(Date)
    # The lesson's number in the school day (1 = first); lessons made one by one without the
    # timetable may have none, and sort after the numbered lessons of their day.
    lesson_number: Mapped[int | None] = mapped_column(SmallInteger)
    topic: Mapped[str | None] = mapped_column(Text)
    homework: Mapped[str | None] = mapped_column(Text)
    # When the homework is due: by default the assignment's next lesson (journal.homework).
    homework_due_on: Mapped[dt.date | None] = mapped_column(Date)
    # The thematic-plan item the lesson's topic follows (set by the lessons' own API later);
    # a removed item leaves the lesson with its topic text and no link.
    plan_item_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("thematic_plan_items.id", ondelete="SET NULL"), index=True
    )
    # A lesson for one group of the class (from a group's timetable entry); None: the class.
    group_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("class_groups.id")
    )
    # Another teacher who gives (and fills) this one lesson instead of the assignment's.
    substitute_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("staff.account_id")
    )
    # A cancelled lesson stays (shown as cancelled) and takes no marks or attendance.
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # Checked by edits of the topic, the homework and the slot (optimistic concurrency).
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[dt.datetime] = created_at_column()


class LessonChange(Base):
    """One version of a lesson: its creation, a move, a
    cancellation or a substitution, with who, when and the slot before and after.
    Append-only: a trigger refuses UPDATE, DELETE and TRUNCATE whatever the role."""

    __tablename__ = "lesson_history"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('scheduled', 'moved', 'cancelled', 'substituted')",
            name="kind_known",
        ),
        UniqueConstraint("lesson_id", "version", name="uq_lesson_history_lesson_id_version"),
        Index("ix_lesson_history_moved_from", "assignment_id", "old_date", "old_lesson_number"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    lesson_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("lessons.id"))
    assignment_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    version: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    changed_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    changed_at: Mapped[dt.datetime] = created_at_column()
    old_date: Mapped[dt.date | None] = mapped_column(Date)
    old_lesson_number: Mapped[int | None] = mapped_column(SmallInteger)
    new_date: Mapped[dt.date] = mapped_column(Date)
    new_lesson_number: Mapped[int | None] = mapped_column(SmallInteger)
    substitute_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    reason: Mapped[str | None] = mapped_column(Text)
