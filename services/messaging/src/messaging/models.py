"""Messaging tables: the guardianship projection and the notifications (the notification
pipeline's other tables: messaging.notifications.models)."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import new_metadata
from shared.idempotency import keys_table


class Base(DeclarativeBase):
    metadata = new_metadata()


# Sending mail takes an Idempotency-Key (shared.idempotency): a repeat sends nothing twice.
idempotency_keys = keys_table(Base.metadata)


class Guardianship(Base):
    """Which guardian (parent) is linked to which student, as journal announced it; an
    unlinked link stays as a tombstone with its version (a late `linked` changes nothing)."""

    __tablename__ = "guardianships"

    student_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    guardian_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    unlinked: Mapped[bool] = mapped_column(Boolean, server_default="false")


class Notification(Base):
    """One notification for one recipient: a student or a parent by roster person id, a
    member of staff by account id (staff have no roster person).

    Per recipient and aggregate (`mark/<id>`, `homework/<lesson>`, ...) only the newest
    version's notification is live; older ones get `superseded_at` and leave the feed."""

    __tablename__ = "notifications"
    __table_args__ = (
        # A second line of defence behind the inbox: one notice per event and recipient.
        UniqueConstraint(
            "source_event_id",
            "recipient_person_id",
            name="uq_notifications_source_event_id_recipient_person_id",
        ),
        Index(
            "ix_notifications_recipient",
            "recipient_person_id",
            "school_id",
            "created_at",
        ),
        Index("ix_notifications_recipient_seq", "recipient_person_id", "seq"),
        Index("ix_notifications_aggregate", "school_id", "aggregate", "recipient_person_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    recipient_person_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    student_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    kind: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    text: Mapped[str] = mapped_column(Text)
    source_event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The aggregate and version it tells of; the recipient's stream position (the SSE id).
    # None on rows written before the pipeline kept them (and by the data generator).
    aggregate: Mapped[str | None] = mapped_column(String(120))
    version: Mapped[int | None] = mapped_column(Integer)
    seq: Mapped[int | None] = mapped_column(BigInteger)
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
