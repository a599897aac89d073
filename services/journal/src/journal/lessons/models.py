"""Lessons."""

import datetime as dt
import uuid

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, SmallInteger, Text
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
        CheckConstraint("lesson_number BETWEEN 1 AND 12", name="lesson_number_in_day"),
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
    # Checked by edits of the topic, the homework and the slot (optimistic concurrency).
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[dt.datetime] = created_at_column()
