"""Prebuilt statements sent straight through asyncpg on the request session's connection.

The hottest reads skip SQLAlchemy's execution path (compilation cache keys, cursor and
result wrappers: ~40 µs a statement) and its transaction: a statement sent here does not
make the session BEGIN, so a read of independent statements costs no BEGIN and COMMIT
round trips. asyncpg prepares each SQL text once per connection and keeps it.

A write sent here runs in the session's transaction if the session has begun one (on
the same connection), and else is a transaction of its own: one statement is atomic by
itself, so a write done in a single statement needs no BEGIN and COMMIT either.
"""

from typing import Any

import asyncpg
from sqlalchemy import RowMapping, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from journal.calendar.closing import refusal
from shared.db import PooledConnection

Db = AsyncSession | PooledConnection
"""Where statements go: a request's session (its connection, in its transaction if it
has begun one), or a raw pooled connection (shared.web.Pooled: no session at all)."""


async def _driver(
    session: Db,
) -> tuple[AsyncConnection | PooledConnection, asyncpg.Connection]:
    if isinstance(session, PooledConnection):
        return session, session.driver
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: asyncpg.Connection = raw.driver_connection
    return connection, driver


async def _lost(
    connection: AsyncConnection | PooledConnection, exc: BaseException | None
) -> ConnectionError:
    # SQLAlchemy does not see what happens here, so tell its pool that this connection is
    # dead (else it would hand it out again); the error is transient, so HTTP answers 503.
    await connection.invalidate(exc if isinstance(exc, Exception) else None)
    # A lost connection means the database restarted or failed over: the pool's other idle
    # connections are dead too. Replace the pool, as SQLAlchemy itself does on a disconnect
    # it sees, instead of letting each dead connection fail one more request.
    await connection.engine.dispose(close=False)
    return ConnectionError("the database connection was lost")


async def fetchrow(session: Db, sql: str, *args: Any) -> asyncpg.Record | None:
    """The first row of a prebuilt statement (None without a row)."""
    connection, driver = await _driver(session)
    if driver.is_closed():  # the database restarted while the connection idled in the pool
        raise await _lost(connection, None)
    try:
        row: asyncpg.Record | None = await driver.fetchrow(sql, *args)
    except Exception as exc:
        if driver.is_closed():  # lost midway (a restart terminates the backend)
            raise await _lost(connection, exc) from exc
        closed = refusal(exc)  # the closing guard inside the statement refused it
        if closed is not None:
            raise closed from None
        raise
    return row


async def fetch(session: Db, sql: str, *args: Any) -> list[asyncpg.Record]:
    """All rows of a prebuilt statement."""
    connection, driver = await _driver(session)
    if driver.is_closed():
        raise await _lost(connection, None)
    try:
        rows: list[asyncpg.Record] = await driver.fetch(sql, *args)
    except Exception as exc:
        if driver.is_closed():
            raise await _lost(connection, exc) from exc
        raise
    return rows


async def fetchval(session: Db, sql: str, *args: Any) -> Any:
    """The first column of the first row of a prebuilt statement (None without a row)."""
    row = await fetchrow(session, sql, *args)
    return None if row is None else row[0]


async def begin(session: AsyncSession) -> None:
    """Begin the session's transaction now, so that the prebuilt statements sent after it
    (and the row locks they take) share it until the request commits. SQLAlchemy sends
    BEGIN only with its own first statement; statements sent here do not make it."""
    await session.execute(text("SELECT 1"))


async def begin_with(session: AsyncSession, sql: str, *args: Any) -> RowMapping | None:
    """`begin`, with a prebuilt statement of the request instead of its `SELECT 1`: one
    round trip less. The statement goes through SQLAlchemy's connection as it is (asyncpg's
    `$n` parameters; prepared once per connection like the others), so that SQLAlchemy
    sends BEGIN before it and COMMIT with the request; its first row as a mapping of
    plain asyncpg values (None without a row)."""
    connection = await session.connection()
    try:
        result = await connection.exec_driver_sql(sql, args)
    except DBAPIError as exc:
        closed = refusal(exc)
        if closed is not None:
            raise closed from None
        raise
    return result.mappings().first()
