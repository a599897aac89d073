"""The outbox relay: publishes what a service's transactions staged in its outbox.

Rows are claimed with FOR UPDATE SKIP LOCKED (so several relays never publish one row
twice at once), the relay wakes on LISTEN/NOTIFY and polls as a fallback, and a row is
marked published only after the broker confirmed it. A failed publish leaves the row
unpublished with a growing backoff; no row is ever deleted or skipped.
"""

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

import asyncpg
from sqlalchemy import select, update

from shared.bus import Bus, PublishError
from shared.db import Database, asyncpg_dsn
from shared.events import CloudEvent
from shared.outbox import NOTIFY_CHANNEL, outbox

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(seconds=30)


def backoff(attempts: int) -> timedelta:
    """0.5 s, 1 s, 2 s ... capped at 30 s."""
    return min(timedelta(seconds=0.5 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


class OutboxRelay:
    def __init__(
        self,
        db: Database,
        bus: Bus,
        *,
        poll_interval: float = 2.0,
        batch_size: int = 100,
    ) -> None:
        self.db = db
        self.bus = bus
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._listener: asyncpg.Connection | None = None

    async def publish_pending(self) -> int:
        """Publish one batch of due rows; returns how many were published."""
        published = 0
        async with self.db.transaction() as session:
            rows = (
                await session.execute(
                    select(outbox.c.id, outbox.c.envelope, outbox.c.attempts)
                    .where(
                        outbox.c.published_at.is_(None),
                        outbox.c.next_attempt_at <= datetime.now(UTC),
                    )
                    .order_by(outbox.c.created_at)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            for row in rows:
                try:
                    await self.bus.publish(CloudEvent.model_validate(row.envelope))
                except (PublishError, OSError, ConnectionError, TimeoutError) as exc:
                    attempts = row.attempts + 1
                    log.warning(
                        "publish failed",
                        extra={"event_id": str(row.id), "attempts": attempts,
                               "error_type": type(exc).__name__},
                    )
                    await session.execute(
                        update(outbox)
                        .where(outbox.c.id == row.id)
                        .values(
                            attempts=attempts,
                            next_attempt_at=datetime.now(UTC) + backoff(attempts),
                            last_error=str(exc)[:500],
                        )
                    )
                    continue
                await session.execute(
                    update(outbox)
                    .where(outbox.c.id == row.id)
                    .values(published_at=datetime.now(UTC), last_error=None)
                )
                published += 1
        return published

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._close_listener()

    def wake(self) -> None:
        self._wake.set()

    async def _listen(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            return
        try:
            self._listener = await asyncpg.connect(asyncpg_dsn(self.db.url))
            await self._listener.add_listener(NOTIFY_CHANNEL, lambda *_: self._wake.set())
        except (OSError, asyncpg.PostgresError):
            self._listener = None  # polling carries on until the database is back

    async def _close_listener(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.close()
            self._listener = None

    async def _run(self) -> None:
        while True:
            await self._listen()
            self._wake.clear()
            try:
                while await self.publish_pending() == self.batch_size:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("relay pass failed", extra={"error_type": type(exc).__name__})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval)
