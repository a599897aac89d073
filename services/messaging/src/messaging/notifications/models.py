"""The notification pipeline's tables: what messaging projects from journal's and auth's
events to address and word notifications, the versions already told, each recipient's
stream position, preferences, the email outbox and progress letters."""

import uuid
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Integer,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from messaging.models import Base


class School(Base):
    """A school's time zone (auth's `school.registered`): digests and quiet hours are
    kept in it."""

    __tablename__ = "schools"

    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)


class WorkType(Base):
    """A school's work type by code: its Russian name and current weight."""

    __tablename__ = "work_types"

    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    code: Mapped[str] = mapped_column(String(50), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    weight: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)


class SchoolClass(Base):
    """A class: its grade (which kind of period it uses) and its class teacher."""

    __tablename__ = "classes"

    class_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    grade: Mapped[int] = mapped_column(SmallInteger)
    class_teacher_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    version: Mapped[int] = mapped_column(Integer)


class Enrollment(Base):
    """Which class a student is in now (`active` false once they left)."""

    __tablename__ = "enrollments"

    student_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    class_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    active: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)


class Grading(Base):
    """The grades that count halves instead of quarters (journal's grading settings)."""

    __tablename__ = "grading"

    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    half_year_grades: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    version: Mapped[int] = mapped_column(Integer)


class Period(Base):
    """A quarter or a half of a year (from the year's calendar, with the year's version)."""

    __tablename__ = "periods"

    period_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    kind: Mapped[str] = mapped_column(String(10))
    number: Mapped[int] = mapped_column(SmallInteger)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)


class MarkRecord(Base):
    """A mark as progress letters need it (a removed one stays as a tombstone)."""

    __tablename__ = "marks"

    mark_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    student_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    class_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    subject_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    subject_name: Mapped[str] = mapped_column(String(200))
    lesson_date: Mapped[date] = mapped_column(Date)
    value: Mapped[int] = mapped_column(SmallInteger)
    work_type: Mapped[str] = mapped_column(String(50))
    weight: Mapped[int] = mapped_column(Integer)
    removed: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)


class AttendanceRecord(Base):
    """A student's attendance code on a lesson (`code` None once cleared)."""

    __tablename__ = "attendance"

    lesson_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    student_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    class_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    lesson_date: Mapped[date] = mapped_column(Date)
    code: Mapped[str | None] = mapped_column(String(4))
    version: Mapped[int] = mapped_column(Integer)


class RemarkRecord(Base):
    """That a teacher wrote a remark or a praise about a student (the text stays in
    journal: only the kind and the day travel)."""

    __tablename__ = "remarks"

    remark_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    student_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    class_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    kind: Mapped[str] = mapped_column(String(20))
    on: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)


class NotifiedVersion(Base):
    """The newest version of an aggregate messaging has told anyone about (or a silent
    fact, such as a period reopened): an event with this version or an older one makes
    no notification."""

    __tablename__ = "notified_versions"

    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    aggregate: Mapped[str] = mapped_column(String(120), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    removed: Mapped[bool] = mapped_column(Boolean)


class NotificationStream(Base):
    """A recipient's last stream position. Taken with a row lock in the transaction that
    writes the recipient's notifications, so positions commit in order: a client resuming
    after position N misses nothing committed later with a smaller one."""

    __tablename__ = "notification_streams"

    recipient_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger)


class Preferences(Base):
    """What a person wants to be told and how (absent: everything, email at once)."""

    __tablename__ = "notification_preferences"

    recipient_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    muted: Mapped[list[str]] = mapped_column(ARRAY(String(30)))
    delivery: Mapped[str] = mapped_column(String(10))
    digest_hour: Mapped[int] = mapped_column(SmallInteger)
    quiet_from: Mapped[time | None] = mapped_column(Time)
    quiet_to: Mapped[time | None] = mapped_column(Time)
    email: Mapped[str | None] = mapped_column(String(254))
    last_digest_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SchoolEmail(Base):
    """Whether a school sends email, and from which address."""

    __tablename__ = "school_email_settings"

    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    sender: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OutgoingEmail(Base):
    """An email to send (an outbox: kept until an SMTP server accepted it)."""

    __tablename__ = "email_outbox"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    recipient_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    notification_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LetterBatch(Base):
    """One sending of progress letters: a class, a date range, its author."""

    __tablename__ = "progress_letter_batches"
    __table_args__ = (
        UniqueConstraint(
            "class_id", "period_from", "period_to", name="uq_progress_letter_batches_class_id"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    class_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    author_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    comment: Mapped[str | None] = mapped_column(Text)
    scheduled: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ProgressLetter(Base):
    """One student's letter of a batch: its text and the figures it was written from."""

    __tablename__ = "progress_letters"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    batch_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    student_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LetterDelivery(Base):
    """A letter in one parent's mailbox (their own read state)."""

    __tablename__ = "progress_letter_deliveries"

    letter_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    parent_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LetterSchedule(Base):
    """A class's weekly progress letters: on `weekday` (1 Monday) at `hour`, school time,
    for the seven days before."""

    __tablename__ = "progress_letter_schedules"

    class_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    author_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    weekday: Mapped[int] = mapped_column(SmallInteger)
    hour: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    last_sent_on: Mapped[date | None] = mapped_column(Date)
