"""Final marks of periods and years, and their change history."""

import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from journal.base import Base, new_id

VALUES_SQL = "('1', '2', '3', '4', '5', 'н/а', 'осв', 'зч')"


class FinalMark(Base):
    """A student's final mark of a subject for a period (quarter or half) or, with no
    period, for the year. One per student, subject and term (`term_id`: the period's id,
    or the year's for the year's mark), whichever teacher of the subject set it. A removal
    keeps the row without a value (a tombstone), so its version goes on increasing."""

    __tablename__ = "final_marks"
    __table_args__ = (
        UniqueConstraint(
            "student_id", "subject_id", "term_id", name="uq_final_marks_student_subject_term"
        ),
        CheckConstraint(f"value IN {VALUES_SQL}", name="value_known"),
        CheckConstraint("term_id = coalesce(period_id, year_id)", name="term_is_period_or_year"),
        CheckConstraint("(value IS NULL) = (removed_at IS NOT NULL)", name="removed_has_no_value"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    student_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("students.id"))
    subject_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("subjects.id"))
    # The class and the assignment through which it was last set.
    class_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("classes.id"))
    assignment_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("assignments.id")
    )
    year_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("academic_years.id"))
    period_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("periods.id")
    )
    term_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    # '1'..'5', 'н/а', 'осв', 'зч'; NULL once removed.
    value: Mapped[str | None] = mapped_column(String(3))
    version: Mapped[int]
    set_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    removed_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


class FinalMarkChange(Base):
    """One change of a final mark: who, when, old and new value, why (a removal has no new
    value). Append-only: a trigger refuses UPDATE, DELETE and TRUNCATE whatever the role."""

    __tablename__ = "final_mark_history"
    __table_args__ = (Index("ix_final_mark_history_final_mark_id", "final_mark_id"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    final_mark_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("final_marks.id")
    )
    version: Mapped[int]
    changed_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    old_value: Mapped[str | None] = mapped_column(String(3))
    new_value: Mapped[str | None] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(Text)
