"""The append-only log of every event reporting received, exactly as it arrived (unknown
fields included): every projection can be rebuilt from it (projections/rebuild.py)."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, Integer, String, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from reporting.base import Base
from shared.bulk import insert_new
from shared.events import CloudEvent


class LoggedEvent(Base):
    """One received event, exactly as it arrived; rows are never changed or deleted (a
    trigger refuses it)."""

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


async def log_event(session: AsyncSession, envelopes: Sequence[CloudEvent]) -> None:
    """Append received events to the log as they arrived, in one statement (an event
    already there is left as it is)."""
    table = Base.metadata.tables[LoggedEvent.__tablename__]
    await insert_new(session, table, ["event_id"], [e.as_record() for e in envelopes])
