"""Marks and their change history."""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, SmallInteger, Text, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from journal.base import Base, created_at_column, new_id


class Mark(Base):
    """A mark for a student on a lesson; a lesson may hold several for one student."""

    __tablename__ = "marks"
    __table_args__ = (
        CheckConstraint("value BETWEEN 1 AND 5", name="value_range"),
        Index("ix_marks_student_id_lesson_id", "student_id", "lesson_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    lesson_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("lessons.id"), index=True
    )
    student_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("students.id"))
    work_type_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("work_types.id"))
    value: Mapped[int] = mapped_column(SmallInteger)
    posted_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    posted_at: Mapped[datetime] = created_at_column()
    version: Mapped[int] = mapped_column(default=1)
    # A removed mark stays (its history points at it); current marks are those without.
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    removed_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


class MarkChange(Base):
    """One change of a mark: who, when, old and new value, why (a removal has no new
    value). Append-only: a trigger
    refuses UPDATE, DELETE and TRUNCATE whatever the database role."""

    __tablename__ = "mark_history"
    __table_args__ = (Index("ix_mark_history_school_id_changed_at", "school_id", "changed_at"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    mark_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("marks.id"), index=True
    )
    version: Mapped[int]
    changed_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    old_value: Mapped[int | None] = mapped_column(SmallInteger)
    new_value: Mapped[int | None] = mapped_column(SmallInteger)
    old_work_type_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    new_work_type_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    reason: Mapped[str] = mapped_column(Text)
