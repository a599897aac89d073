"""The outbox relay: publishes what a service's transactions staged in its outbox.

- Rows are claimed with FOR UPDATE SKIP LOCKED, so several relays (replicas of a service)
  share the work and never publish one row twice at once.
- A row is marked published only after the broker confirmed it, in the transaction that
  claimed it; if that commit fails the row is published again later (a duplicate, which
  the consumers' inboxes absorb), never lost.
- A failed publish (unroutable, nacked, no confirm, invalid envelope) leaves the row
  unpublished with `attempts` + 1 and a growing `next_attempt_at` (`backoff`); rows are
  selected by "not yet published and due", never by "newer than the last one seen".
- A row that failed `park_after` times (an envelope that never validates, an event no
  queue is bound to for good) is parked: `parked_at` is set, it is logged as an error and
  counted in the metrics (`outbox_parked_rows`), and no relay claims it again until an
  operator releases it (`python -m shared.parked`).
- While the bus reports not ready (broker down) the relay does not try, so an outage does
  not push every row's next attempt far out.
- It wakes on NOTIFY from the outbox's insert trigger and polls every `poll_interval` as
  a fallback; its LISTEN connection is re-opened when the database comes back.
"""

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Any

import asyncpg
from sqlalchemy import func, select, update

from shared.bus import Bus
from shared.db import Database, asyncpg_dsn
from shared.events import CloudEvent
from shared.outbox import NOTIFY_CHANNEL, outbox

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(seconds=30)
LISTEN_CONNECT_TIMEOUT = 5.0
# Failed publishes before a row is parked: at the 30 s backoff cap, about eight minutes
# of retries, longer than a broker restart or a deploy that binds a new queue.
DEFAULT_PARK_AFTER = 20
STOP_GRACE = 5.0


def backoff(attempts: int) -> timedelta:
    """The wait before the next try after `attempts` failures: 0.5 s, 1 s, 2 s ... ≤ 30 s."""
    if attempts >= 16:  # 0.5 s × 2**15 is far beyond the cap already
        return MAX_BACKOFF
    return min(timedelta(seconds=0.5 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


class OutboxRelay:
    """Publishes one service's outbox; `start` runs it in the background until `stop`."""

    def __init__(
        self,
        db: Database,
        bus: Bus,
        *,
        poll_interval: float = 2.0,
        batch_size: int = 100,
        park_after: int = DEFAULT_PARK_AFTER,
    ) -> None:
        if park_after < 1:
            raise ValueError("park_after must be at least 1")
        self.park_after = park_after
        self.db = db
        self.bus = bus
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._listener: asyncpg.Connection | None = None
        self._listen_failed = False

    # --- one pass ---------------------------------------------------------------------

    async def publish_pending(self) -> int:
        """Publish one batch of due rows; returns how many were published."""
        _claimed, published = await self._publish_batch()
        return published

    async def _publish_batch(self) -> tuple[int, int]:
        async with self.db.transaction() as session:
            rows = (
                await session.execute(
                    select(outbox.c.id, outbox.c.envelope, outbox.c.attempts)
                    .where(
                        outbox.c.published_at.is_(None),
                        outbox.c.parked_at.is_(None),
                        outbox.c.next_attempt_at <= func.now(),
                    )
                    .order_by(outbox.c.next_attempt_at, outbox.c.created_at)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0, 0
            # The broker confirms concurrent publishes together: one round trip a batch.
            errors = await asyncio.gather(*(self._publish(row.envelope) for row in rows))
            published = [row.id for row, error in zip(rows, errors, strict=True) if error is None]
            if published:
                await session.execute(
                    update(outbox)
                    .where(outbox.c.id.in_(published))
                    .values(published_at=func.now(), last_error=None)
                )
            for row, error in zip(rows, errors, strict=True):
                if error is None:
                    continue
                attempts = row.attempts + 1
                context = {"event_id": str(row.id), "attempts": attempts, "error": error}
                if attempts >= self.park_after:
                    log.error("outbox row parked after repeated failures", extra=context)
                    values: dict[str, Any] = {"parked_at": func.now()}
                else:
                    log.warning("publish failed", extra=context)
                    values = {"next_attempt_at": func.now() + backoff(attempts)}
                await session.execute(
                    update(outbox)
                    .where(outbox.c.id == row.id)
                    .values(attempts=attempts, last_error=error, **values)
                )
        return len(rows), len(published)

    async def _publish(self, envelope: dict[str, Any]) -> str | None:
        """Publish one envelope; the error text if it failed, for any reason."""
        try:
            await self.bus.publish(CloudEvent.model_validate(envelope))
        except Exception as exc:  # every failure keeps the row for a retry
            return f"{type(exc).__name__}: {exc}"[:500]
        return None

    # --- the background loop ----------------------------------------------------------

    async def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        """Finish the pass under way (briefly), then stop listening."""
        self._stopping = True
        self._wake.set()
        task, self._task = self._task, None
        if task is not None:
            done, _ = await asyncio.wait({task}, timeout=STOP_GRACE)
            if not done:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._close_listener()

    def wake(self) -> None:
        """Run a pass now (e.g. after a commit that staged events)."""
        self._wake.set()

    async def wait_idle(self) -> None:
        """Wait until the relay finished a pass and waits for work (tests, shutdown)."""
        await self._idle.wait()

    @property
    def listening(self) -> bool:
        return self._listener is not None and not self._listener.is_closed()

    async def _run(self) -> None:
        while not self._stopping:
            self._idle.clear()
            await self._listen()
            self._wake.clear()
            try:
                if await self.bus.is_ready():
                    while not self._stopping:
                        claimed, _ = await self._publish_batch()
                        if claimed < self.batch_size:
                            break
            except Exception as exc:  # the database may be down: retry next time
                log.warning("relay pass failed", exc_info=exc)
            if self._stopping:
                break
            self._idle.set()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_interval):
                    await self._wake.wait()

    # --- LISTEN -----------------------------------------------------------------------

    def _dsn(self) -> str:
        return asyncpg_dsn(self.db.engine.url.render_as_string(hide_password=False))

    async def _listen(self) -> None:
        if self.listening:
            return
        await self._close_listener()
        connection: asyncpg.Connection | None = None
        try:
            connection = await asyncpg.connect(self._dsn(), timeout=LISTEN_CONNECT_TIMEOUT)
            connection.add_termination_listener(self._on_listener_lost)
            await connection.add_listener(NOTIFY_CHANNEL, self._on_notify)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            if connection is not None:
                with contextlib.suppress(Exception):
                    await connection.close()
            if not self._listen_failed:
                log.warning("LISTEN unavailable, polling", extra={"error_type": type(exc).__name__})
            self._listen_failed = True
            return
        if self._listen_failed:
            log.info("LISTEN restored")
        self._listen_failed = False
        self._listener = connection

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    def _on_listener_lost(self, *_: object) -> None:
        # The database went away (restart, failover, terminated backend): wake up to
        # re-open LISTEN and to catch up on anything committed meanwhile.
        self._wake.set()

    async def _close_listener(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None and not listener.is_closed():
            with contextlib.suppress(Exception):
                await listener.close(timeout=5)
