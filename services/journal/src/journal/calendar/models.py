"""Academic years, their periods and holidays."""

import uuid
from datetime import date, datetime

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
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from journal.base import Base, created_at_column, new_id


class AcademicYear(Base):
    """A school year (e.g. 2026/27); `version` orders its calendar events."""

    __tablename__ = "academic_years"
    __table_args__ = (
        UniqueConstraint("school_id", "starts_on", name="uq_academic_years_school_id_starts_on"),
        CheckConstraint("ends_on > starts_on", name="ends_after_start"),
        # What the closing guard probes (journal.calendar.closing): closed years only.
        Index(
            "ix_academic_years_closed",
            "school_id",
            "starts_on",
            postgresql_where=text("closed_at IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    name: Mapped[str] = mapped_column(String(16))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    version: Mapped[int]
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    # Set when the deputy closes it; changes inside it are then refused until reopened.
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    # Set when archive has sealed the closed year (archive.year.sealed.v1).
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    archive_manifest_sha256: Mapped[str | None] = mapped_column(String(64))


class Period(Base):
    """A quarter or a half of a year. Its id stays while the year's calendar is edited
    (periods are matched by kind and number), so what refers to it later keeps holding."""

    __tablename__ = "periods"
    __table_args__ = (
        UniqueConstraint("year_id", "kind", "number", name="uq_periods_year_id_kind_number"),
        CheckConstraint("kind IN ('quarter', 'half')", name="kind_known"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        Index("ix_periods_school_id_starts_on", "school_id", "starts_on"),
        # What the closing guard probes (journal.calendar.closing): closed periods only.
        Index(
            "ix_periods_closed",
            "school_id",
            "starts_on",
            postgresql_where=text("closed_at IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    year_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("academic_years.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(8))
    number: Mapped[int] = mapped_column(SmallInteger)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    # Set when the deputy closes it; changes inside it are then refused until reopened.
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    # Orders the period's closing events (journal.period.closed/reopened, subject
    # period/<id>): + 1 per closing or reopening. Its dates travel with the year's version.
    version: Mapped[int] = mapped_column(default=1, server_default="1")


class PeriodClosing(Base):
    """One closing or reopening of a period: who, when, why. Append-only: a trigger
    refuses UPDATE, DELETE and TRUNCATE whatever the database role. No foreign key, so the
    history outlives a (reopened) period that a calendar edit removes."""

    __tablename__ = "period_closings"
    __table_args__ = (
        CheckConstraint("action IN ('closed', 'reopened')", name="action_known"),
        UniqueConstraint("period_id", "version", name="uq_period_closings_period_id_version"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    period_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    # The period's version after this change.
    version: Mapped[int]
    action: Mapped[str] = mapped_column(String(8))
    changed_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    reason: Mapped[str | None] = mapped_column(Text)


class Holiday(Base):
    """Holidays (каникулы) or a single day off (starts_on = ends_on) inside a year."""

    __tablename__ = "holidays"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        Index("ix_holidays_school_id_starts_on", "school_id", "starts_on"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    year_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("academic_years.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
