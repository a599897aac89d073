"""Lessons."""

import datetime as dt
import uuid

from sqlalchemy import Date, ForeignKey, Index, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from journal.base import Base, created_at_column, new_id


class Lesson(Base):
    """A lesson held (or planned) for an assignment on a date.

    `class_id` and `subject_id` repeat the assignment's (they never change) so that the
    diary, the hottest read, finds a class's lessons by date through one index.
    """

    __tablename__ = "lessons"
    __table_args__ = (Index("ix_lessons_class_id_date", "class_id", "date"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    assignment_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("assignments.id"), index=True
    )
    class_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("classes.id"))
    subject_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("subjects.id"))
    date: Mapped[dt.date] = mapped_column(Date)
    topic: Mapped[str | None] = mapped_column(Text)
    homework: Mapped[str | None] = mapped_column(Text)
    # The thematic-plan item the lesson's topic follows (set by the lessons' own API later);
    # a removed item leaves the lesson with its topic text and no link.
    plan_item_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("thematic_plan_items.id", ondelete="SET NULL"), index=True
    )
    created_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[dt.datetime] = created_at_column()
