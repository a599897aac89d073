"""Reporting tables: the append-only log of received events and the projections built from it.

Every projection row carries the version of its aggregate; an event is applied only if its
version is newer, so projections do not depend on delivery order (shared.bulk.upsert_newer).
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Index, Integer, SmallInteger, String, false, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


class LoggedEvent(Base):
    """One received event, exactly as it arrived; rows are never changed or deleted."""

    __tablename__ = "event_log"
    __table_args__ = (Index("ix_event_log_received_at", "received_at"),)

    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(200))
    school_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    subject: Mapped[str] = mapped_column(String(300))
    version: Mapped[int] = mapped_column(Integer)
    envelope: Mapped[dict[str, Any]] = mapped_column(JSONB)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class MarkRow(Base):
    """A mark as the latest version known says; a removed mark stays as a tombstone."""

    __tablename__ = "marks"
    __table_args__ = (Index("ix_marks_class_subject", "school_id", "class_id", "subject_id"),)

    mark_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    class_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    subject_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    student_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    value: Mapped[int] = mapped_column(SmallInteger)
    # The weight at posting: counted only while reporting knows no weight of the work type
    # (WorkTypeRow), which averages use instead (docs/architecture.md, "School structure").
    weight: Mapped[int] = mapped_column(SmallInteger)
    # The work type's code; None only in rows projected before reporting kept it.
    work_type: Mapped[str | None] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    deleted: Mapped[bool] = mapped_column(Boolean, server_default=false())


class WorkTypeRow(Base):
    """A work type of a school as its latest `journal.work_type.changed.v1` says: its
    current weight is the one every average gives the marks of its code."""

    __tablename__ = "work_types"

    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    work_type_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    weight: Mapped[int] = mapped_column(SmallInteger)
    version: Mapped[int] = mapped_column(Integer)


class AssignmentRow(Base):
    """A teaching assignment: who teaches which subject in which class."""

    __tablename__ = "assignments"
    __table_args__ = (Index("ix_assignments_class_subject", "school_id", "class_id", "subject_id"),)

    assignment_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    teacher_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    class_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    subject_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    version: Mapped[int] = mapped_column(Integer)


class ClassRow(Base):
    """A class of a school and its class teacher."""

    __tablename__ = "classes"

    class_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    name: Mapped[str] = mapped_column(String(50))
    grade: Mapped[int] = mapped_column(SmallInteger)
    class_teacher_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    version: Mapped[int] = mapped_column(Integer)
