"""The declarative base of journal's tables and small persistence helpers."""

import uuid
from datetime import datetime

from sqlalchemy import DateTime, func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import new_metadata
from shared.errors import Conflict

UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE


class Base(DeclarativeBase):
    metadata = new_metadata()


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def created_at_column() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


async def add_unique(session: AsyncSession, row: Base, conflict: Conflict) -> None:
    """Insert `row`; a unique-constraint violation becomes `conflict` (the savepoint keeps
    the request's transaction usable, and races end the same way as a pre-check would)."""
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError as exc:
        if getattr(exc.orig, "sqlstate", None) == UNIQUE_VIOLATION:
            raise conflict from None
        raise
