"""Messaging tables: the guardianship projection and the notifications."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


class Guardianship(Base):
    """Which guardian (parent) is linked to which student, as journal announced it."""

    __tablename__ = "guardianships"

    student_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    guardian_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Notification(Base):
    """One notification for one recipient (a student or a parent, by roster person id)."""

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
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    recipient_person_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    student_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    kind: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    text: Mapped[str] = mapped_column(Text)
    source_event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
