"""The outbox relay: publishes what a service's transactions staged in its outbox.

- Rows are claimed with FOR UPDATE SKIP LOCKED, so several relays (replicas of a service)
  share the work and never publish one row twice at once.
- A row is marked published only after the broker confirmed it, in the transaction that
  claimed it; if that commit fails the row is published again later (a duplicate, which
  the consumers' inboxes absorb), never lost.
- A row is published as it is stored: the envelope's text is read from the row and put
  on the wire byte for byte (`Bus.publish_raw`), never parsed into a model and written
  again. The envelope was validated once, when it was staged (`shared.outbox.staged`
  builds it from the typed event); the relay only checks, in the claiming query, that a
  row has a CloudEvent's shape (see `ENVELOPE_CHECK`), so that a row written some other
  way (by hand, by a broken migration) is reported and parked instead of published.
- A failed publish (unroutable, nacked, no confirm, invalid envelope) leaves the row
  unpublished with `attempts` + 1 and a growing `next_attempt_at` (`backoff`); rows are
  selected by "not yet published and due", never by "newer than the last one seen".
- A row that failed `park_after` times (an envelope that never validates, an event no
  queue is bound to for good) is parked: `parked_at` is set, it is logged as an error and
  counted in the metrics (`outbox_parked_rows`), and no relay claims it again until an
  operator releases it (`python -m shared.parked`).
- While the bus reports not ready (broker down) the relay does not try, so an outage does
  not push every row's next attempt far out.
- An outage is logged once, not on every poll: the first failed pass with its traceback,
  then a summary (how many passes failed) at most every `outage_log_interval` seconds,
  and one line when the relay works again; the bus going not ready and back likewise.
- It wakes on NOTIFY from the outbox's insert trigger and polls every `poll_interval` as
  a fallback; its LISTEN connection is re-opened when the database comes back.
"""

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy import func, text, update

from shared.bus import Bus
from shared.db import Database, asyncpg_dsn
from shared.outbox import NOTIFY_CHANNEL, outbox

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(seconds=30)
LISTEN_CONNECT_TIMEOUT = 5.0
# Failed publishes before a row is parked: at the 30 s backoff cap, about eight minutes
# of retries, longer than a broker restart or a deploy that binds a new queue.
DEFAULT_PARK_AFTER = 20
STOP_GRACE = 5.0
# While passes keep failing (the database away), a summary line at most this often.
OUTAGE_LOG_INTERVAL = 60.0

_UUID = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_RFC3339 = r"^\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d{1,6})?([Zz]|[+-]\d\d:\d\d)?$"

ENVELOPE_CHECK = f"""
    coalesce(
        jsonb_typeof(envelope) = 'object'
        AND coalesce(jsonb_typeof(envelope -> 'specversion'), 'string') = 'string'
        AND jsonb_typeof(envelope -> 'id') = 'string' AND envelope ->> 'id' ~ '{_UUID}'
        AND jsonb_typeof(envelope -> 'source') = 'string'
        AND jsonb_typeof(envelope -> 'type') = 'string'
        AND jsonb_typeof(envelope -> 'time') = 'string' AND envelope ->> 'time' ~ '{_RFC3339}'
        AND jsonb_typeof(envelope -> 'subject') = 'string'
        AND coalesce(jsonb_typeof(envelope -> 'datacontenttype'), 'string') = 'string'
        AND coalesce(jsonb_typeof(envelope -> 'schoolid'), 'null') IN ('string', 'null')
        AND coalesce(jsonb_typeof(envelope -> 'traceparent'), 'null') IN ('string', 'null')
        AND CASE jsonb_typeof(envelope -> 'version')
            WHEN 'number' THEN (envelope -> 'version')::numeric % 1 = 0
            ELSE envelope -> 'version' IS NULL
        END
        AND jsonb_typeof(envelope -> 'data') = 'object',
        false
    )"""
"""Whether a row's envelope has the shape of a CloudEvent (`shared.events.CloudEvent`):
its attributes present with their JSON types, an id that is a UUID, a time that is an
RFC 3339 timestamp, an object of data. Computed by PostgreSQL on the stored JSON; it
never raises, so one broken row cannot fail the claim of its batch."""

CLAIM = text(
    f"""
    SELECT id, attempts, envelope::text AS body, envelope ->> 'type' AS type,
        lower(envelope ->> 'id') AS message_id, envelope ->> 'time' AS time,
        {ENVELOPE_CHECK} AS well_formed
    FROM outbox
    WHERE published_at IS NULL AND parked_at IS NULL AND next_attempt_at <= now()
    ORDER BY next_attempt_at, created_at
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
    """  # noqa: S608 - made of this module's constants only
)
"""Due rows, oldest first, each with its envelope as stored (PostgreSQL's text of it:
the bytes that go on the wire) and the attributes the transports put on a message."""


class InvalidEnvelope(Exception):
    """A stored envelope that is not a CloudEvent: it can never be published."""


@dataclass(frozen=True)
class _Claimed:
    id: Any
    attempts: int
    body: bytes | None  # None when the envelope is not a CloudEvent
    routing_key: str
    message_id: str
    time: datetime | None


def _claimed(row: Any) -> _Claimed:
    time_: datetime | None = None
    if row.well_formed:
        with contextlib.suppress(ValueError):  # the shape matched, the date does not exist
            time_ = datetime.fromisoformat(row.time)
    body = row.body.encode() if time_ is not None else None
    return _Claimed(row.id, row.attempts, body, row.type or "", row.message_id or "", time_)


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
        outage_log_interval: float = OUTAGE_LOG_INTERVAL,
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
        self.outage_log_interval = outage_log_interval
        self._outage = _Outage("relay pass failed", outage_log_interval)
        self._bus_down = False

    # --- one pass ---------------------------------------------------------------------

    async def publish_pending(self) -> int:
        """Publish one batch of due rows; returns how many were published."""
        _claimed, published = await self._publish_batch()
        return published

    async def _publish_batch(self) -> tuple[int, int]:
        async with self.db.transaction() as session:
            rows = [
                _claimed(row) for row in await session.execute(CLAIM, {"limit": self.batch_size})
            ]
            if not rows:
                return 0, 0
            # Started in the claimed order (RabbitMQ puts them on the channel in it); the
            # broker confirms concurrent publishes together: one round trip a batch.
            errors = await asyncio.gather(*(self._publish(row) for row in rows))
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

    async def _publish(self, row: _Claimed) -> str | None:
        """Publish one row's stored envelope; the error text if it failed, for any reason."""
        try:
            if row.body is None or row.time is None:
                raise InvalidEnvelope(
                    "not a CloudEvent: an attribute is missing or mistyped, or the id is "
                    "not a UUID, or the time is not an RFC 3339 timestamp"
                )
            await self.bus.publish_raw(
                row.routing_key, row.body, message_id=row.message_id, time=row.time
            )
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
                if await self._bus_ready():
                    while not self._stopping:
                        claimed, _ = await self._publish_batch()
                        if claimed < self.batch_size:
                            break
                    self._outage.passed()
            except Exception as exc:  # the database may be down: retry next time
                self._outage.failed(exc)
            if self._stopping:
                break
            self._idle.set()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_interval):
                    await self._wake.wait()

    async def _bus_ready(self) -> bool:
        ready = await self.bus.is_ready()
        if not ready and not self._bus_down:
            log.warning("bus not ready, relay waiting")
        elif ready and self._bus_down:
            log.info("bus ready again, relay publishing")
        self._bus_down = not ready
        return ready

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


class _Outage:
    """The log of a failure that repeats on every pass: the first one with its traceback,
    then the count of failed passes so far at most every `interval` seconds, then the
    recovery (with the count)."""

    def __init__(self, message: str, interval: float) -> None:
        self.message = message
        self.interval = interval
        self.failures = 0  # passes failed since the outage began
        self._last_line = 0.0

    def failed(self, exc: Exception) -> None:
        self.failures += 1
        now = time.monotonic()
        if self.failures == 1:
            log.warning(self.message, exc_info=exc)
            self._last_line = now
        elif now - self._last_line >= self.interval:
            log.warning(
                f"{self.message} again",
                extra={
                    "count": self.failures,
                    "error_type": type(exc).__name__,
                    "error": str(exc)[:200],
                },
            )
            self._last_line = now

    def passed(self) -> None:
        if self.failures:
            log.info("relay working again", extra={"count": self.failures})
        self.failures = 0
