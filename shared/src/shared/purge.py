"""The purge: rows kept only for a while are deleted once older than the retention.

What goes, by default in every service database: outbox rows published longer ago than
the retention (unpublished and parked rows stay), and inbox rows received longer ago.
A service adds its own tables (journal: its idempotency keys). The retention must exceed
how long an event can wait in a queue or among the dead letters before it is re-driven:
an inbox row purged before its event's last redelivery no longer absorbs the duplicate.

It deletes in small batches, each its own short transaction, so it never holds locks for
long or runs into the statement timeout, and only one purge of a database runs at a time
(an advisory lock): any number of processes may run one side by side.
"""

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import text

from shared.db import Database
from shared.settings import BaseServiceSettings

log = logging.getLogger(__name__)

PURGE_LOCK = 7245002  # the migrations take 7245001
DEFAULT_BATCH = 5000
STOP_GRACE = 5.0


@dataclass(frozen=True)
class Retained:
    """A table whose rows go once `age_column` is older than the retention (rows with a
    NULL there, such as unpublished outbox rows, never match)."""

    table: str
    age_column: str


OUTBOX = Retained("outbox", "published_at")
INBOX = Retained("inbox", "received_at")
EVERY_SERVICE: tuple[Retained, ...] = (OUTBOX, INBOX)


class Purge:
    """Deletes expired rows of one database every `interval` seconds once `start`ed.

    Any kind of process may run one (`for_service`): the all-in-one lifespan of
    shared.web does, next to its relay; a relay process of its own can do the same.
    """

    @classmethod
    def for_service(
        cls, db: Database, settings: BaseServiceSettings, retained: Sequence[Retained] = ()
    ) -> "Purge":
        """The purge of a service's database: the outbox, the inbox and `retained`."""
        return cls(
            db,
            retention=timedelta(days=settings.retention_days),
            interval=settings.purge_interval,
            tables=(*EVERY_SERVICE, *retained),
        )

    def __init__(
        self,
        db: Database,
        *,
        retention: timedelta,
        interval: float = 3600.0,
        tables: Sequence[Retained] = EVERY_SERVICE,
        batch_size: int = DEFAULT_BATCH,
    ) -> None:
        if retention <= timedelta(0):
            raise ValueError("the retention must be positive")
        self.db = db
        self.retention = retention
        self.interval = interval
        self.tables = tuple(tables)
        self.batch_size = batch_size
        # Rows deleted since the process started, by table (exported as a metric).
        self.purged_total: dict[str, int] = {r.table: 0 for r in self.tables}
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def purge_once(self) -> dict[str, int]:
        """Delete every expired row now; how many went, by table (empty if another
        process's purge of this database was under way)."""
        purged: dict[str, int] = {}
        for retained in self.tables:
            total = 0
            while not self._stopping.is_set():
                deleted = await self._delete_batch(retained)
                if deleted is None:
                    return purged  # another purge holds the lock: it does the work
                total += deleted
                if deleted < self.batch_size:
                    break
            purged[retained.table] = total
            if total:
                self.purged_total[retained.table] += total
                log.info("purged", extra={"table": retained.table, "rows": total})
        return purged

    async def _delete_batch(self, retained: Retained) -> int | None:
        # Table and column names are this module's constants and the services' code,
        # never input; the cutoff and the batch size are bound.
        statement = text(
            f"DELETE FROM {retained.table} WHERE ctid = ANY(ARRAY("  # noqa: S608
            f"SELECT ctid FROM {retained.table} "
            f"WHERE {retained.age_column} < now() - make_interval(secs => :seconds) "
            "LIMIT :batch))"
        )
        async with self.db.transaction() as session:
            locked = await session.scalar(
                text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": PURGE_LOCK}
            )
            if not locked:
                return None
            result = await session.execute(
                statement,
                {"seconds": self.retention.total_seconds(), "batch": self.batch_size},
            )
        return int(getattr(result, "rowcount", 0) or 0)

    # --- in the background ------------------------------------------------------------

    async def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="purge")

    async def stop(self) -> None:
        self._stopping.set()
        task, self._task = self._task, None
        if task is not None:
            done, _ = await asyncio.wait({task}, timeout=STOP_GRACE)
            if not done:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.purge_once()
            except Exception as exc:  # the database may be away: next time
                log.warning(
                    "purge failed", extra={"error_type": type(exc).__name__, "error": str(exc)}
                )
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.interval):
                    await self._stopping.wait()
