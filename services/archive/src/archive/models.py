"""Archive tables: the journal events received, kept as they arrived; the sealed years
and the files each one's seal stored."""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


class ReceivedEvent(Base):
    """One journal event received, with its envelope as it arrived."""

    __tablename__ = "received_events"
    __table_args__ = (Index("ix_received_events_school_type", "school_id", "event_type"),)

    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(200))
    school_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    subject: Mapped[str] = mapped_column(String(300))
    version: Mapped[int] = mapped_column(Integer)
    envelope: Mapped[dict[str, Any]] = mapped_column(JSONB)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


# A year's status: `pending` (announced closed, or asked for, not sealed yet; a failed
# attempt stays pending with its error and is tried again), `refused` (its export did not
# match the manifest: an operator looks, then runs the seal again), `sealed`.
YEAR_STATUSES = ("pending", "refused", "sealed")


class SealedYear(Base):
    """A school year archive knows of: from `journal.year.closed` or a seal asked for."""

    __tablename__ = "sealed_years"
    __table_args__ = (
        Index("ix_sealed_years_school", "school_id", "ends_on"),
        CheckConstraint("status IN ('pending', 'refused', 'sealed')", name="status"),
    )

    year_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    name: Mapped[str | None] = mapped_column(String(16))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The manifest journal published with `journal.year.closed` (null when the seal was
    # asked for before the event arrived: the export's trailer is checked then).
    expected_manifest: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(16), server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    sealed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    manifest_sha256: Mapped[str | None] = mapped_column(String(64))
    public_key_sha256: Mapped[str | None] = mapped_column(String(64))
    certificate_sha256: Mapped[str | None] = mapped_column(String(64))
    class_journals: Mapped[int | None] = mapped_column(Integer)
    detailed_purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    summary_purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# What a stored file is: a class journal's `package` (JSON Lines, zipped) or `pdf`; the
# year's `summary` (final marks); the `manifest`, its `signature`, the school's
# `public_key` and `certificate` (what an offline check reads beside them).
FILE_KINDS = ("package", "pdf", "summary", "manifest", "signature", "public_key", "certificate")


class SealedFile(Base):
    """One file of a sealed year in the archive storage, with its SHA-256."""

    __tablename__ = "sealed_files"
    __table_args__ = (
        UniqueConstraint("year_id", "path", name="uq_sealed_files_year_id_path"),
        Index("ix_sealed_files_school_year", "school_id", "year_id"),
    )

    file_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, default=uuid.uuid4
    )
    year_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("sealed_years.year_id")
    )
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    kind: Mapped[str] = mapped_column(String(16))
    # Relative to the year's folder in the storage (`classes/<class_id>/journal.pdf`).
    path: Mapped[str] = mapped_column(String(300))
    class_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    class_name: Mapped[str | None] = mapped_column(String(50))
    grade: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    stored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
