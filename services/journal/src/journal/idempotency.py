"""Journal's Idempotency-Key table; the rules are shared.idempotency's.

Kept as an ORM class on journal's metadata (its first migration made the table), so the
model module lists it beside the others.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from journal.base import Base, created_at_column
from shared.idempotency import MAX_KEY_LENGTH, RETAINED, TABLE, Keys, fingerprint, replayed


class IdempotencyKey(Base):
    __tablename__ = TABLE

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = created_at_column()
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


_KEYS = Keys(IdempotencyKey.__table__)  # type: ignore[arg-type]
begin = _KEYS.begin
complete = _KEYS.complete

__all__ = [
    "MAX_KEY_LENGTH",
    "RETAINED",
    "IdempotencyKey",
    "begin",
    "complete",
    "fingerprint",
    "replayed",
]
