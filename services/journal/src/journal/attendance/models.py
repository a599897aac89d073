"""Attendance cells and their change history."""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKeyConstraint, Index, String, Text, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from journal.base import Base, new_id


class Attendance(Base):
    """A student's attendance of one lesson, stored only when it is an exception: no row
    means present. A cleared cell keeps its row without a code, so that its version goes
    on increasing when it is set again."""

    __tablename__ = "attendance"
    __table_args__ = (
        CheckConstraint("code IN ('Н', 'Б', 'П', 'ОП')", name="code_known"),
        ForeignKeyConstraint(["lesson_id"], ["lessons.id"]),
        ForeignKeyConstraint(["student_id"], ["students.id"]),
    )

    lesson_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    student_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    code: Mapped[str | None] = mapped_column(String(2))
    version: Mapped[int]
    marked_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    marked_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class AttendanceChange(Base):
    """One change of an attendance cell: who, when, old and new code, why. Append-only:
    a trigger refuses UPDATE, DELETE and TRUNCATE whatever the database role."""

    __tablename__ = "attendance_history"
    __table_args__ = (
        ForeignKeyConstraint(
            ["lesson_id", "student_id"],
            ["attendance.lesson_id", "attendance.student_id"],
            name="fk_attendance_history_cell_attendance",
        ),
        Index("ix_attendance_history_cell", "lesson_id", "student_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    lesson_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    student_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    version: Mapped[int]
    changed_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    old_code: Mapped[str | None] = mapped_column(String(2))
    new_code: Mapped[str | None] = mapped_column(String(2))
    reason: Mapped[str] = mapped_column(Text)
