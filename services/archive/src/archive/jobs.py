"""The seals that `journal.year.closed` asks for, run outside the delivery: every
`seal_interval` seconds the pending years are sealed one after another (the consume
process of the distributed mode, the `all` app of the embedded mode). A failure (journal
or auth away) leaves the year pending with its error, tried again next time; an export
that does not match its manifest leaves it `refused` until an operator seals it again.
Without a client id (ARCHIVE_CLIENT_ID) there is no service credential and no job."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

import httpx

from archive.journal_export import (
    ClientCredentials,
    ExportMismatch,
    HttpJournalExport,
    JournalExport,
)
from archive.sealing import Archive, Retention, pending_years, seal_year
from archive.settings import Settings
from archive.storage import storage_of
from shared.db import Database

log = logging.getLogger(__name__)


def archive_of(settings: Settings, db: Database) -> Archive:
    return Archive(
        db=db,
        storage=storage_of(settings),
        keys_dir=settings.keys_dir,
        retention=Retention(settings.detailed_retention_years, settings.summary_retention_years),
        pause=settings.seal_pause,
    )


@contextlib.asynccontextmanager
async def journal_export(settings: Settings) -> AsyncIterator[HttpJournalExport]:
    """Journal's export over HTTP with the archive's client credentials."""
    async with httpx.AsyncClient(timeout=settings.export_timeout) as http:
        tokens = ClientCredentials(
            http, settings.auth_token_url, settings.client_id, settings.client_secret
        )
        yield HttpJournalExport(http, settings.journal_url, tokens)


ExportFactory = Callable[[Settings], AbstractAsyncContextManager[JournalExport]]


@dataclass
class SealingJobs:
    settings: Settings
    db: Database
    exports: ExportFactory = journal_export
    _task: asyncio.Task[None] | None = None

    async def run_once(self) -> int:
        """Seal every pending year; how many were sealed."""
        archive = archive_of(self.settings, self.db)
        sealed = 0
        async with self.exports(self.settings) as export:
            for school_id, year_id in await pending_years(self.db):
                try:
                    if await seal_year(archive, export, school_id, year_id) == "sealed":
                        sealed += 1
                except ExportMismatch:
                    log.error("seal refused: the export does not match", exc_info=True)
                except Exception:
                    log.warning("seal failed; tried again later", exc_info=True)
        return sealed

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("sealing jobs failed; retrying")
            await asyncio.sleep(self.settings.seal_interval)

    async def start(self) -> None:
        if self.settings.seal_on_close and self.settings.client_id:
            self._task = asyncio.create_task(self._loop(), name="archive-sealing")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


@contextlib.asynccontextmanager
async def running_seals(settings: Settings, db: Database) -> AsyncIterator[SealingJobs]:
    jobs = SealingJobs(settings, db)
    await jobs.start()
    try:
        yield jobs
    finally:
        await jobs.stop()
