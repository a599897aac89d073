"""`journal.year.closed` puts the year in line with its manifest; the sealing job
(archive.jobs, run in the consume process) seals what is in line, once."""

import contextlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from archive_samples import rows
from journal_world import World

from archive.jobs import SealingJobs
from archive.journal_export import HttpJournalExport, JournalExport
from archive.settings import Settings
from shared.contracts.journal import YearClosed
from shared.db import Database

Closed = tuple[uuid.UUID, dict[str, Any]]


def year_closed(world: World, data: dict[str, Any]) -> YearClosed:
    return YearClosed.model_validate({**data, "school_id": world.school_id})


async def in_line(db: Database, year_id: uuid.UUID) -> list[dict[str, Any]]:
    return await rows(
        db,
        "SELECT school_id, name, status, expected_manifest, sealed_at FROM sealed_years "
        "WHERE year_id = :y",
        y=year_id,
    )


async def test_a_closed_year_waits_to_be_sealed_with_its_manifest(
    world: World, closed: Closed, db: Database, deliver: Any
) -> None:
    year_id, data = closed

    await deliver(year_closed(world, data))
    await deliver(year_closed(world, data))  # a duplicate delivery

    [year] = await in_line(db, year_id)
    assert (year["school_id"], year["name"], year["status"]) == (
        world.school_id,
        "2026/27",
        "pending",
    )
    assert year["expected_manifest"] == data["manifest"]
    assert await rows(db, "SELECT 1 FROM received_events WHERE event_type LIKE '%year%'") == []


async def test_the_job_seals_what_is_in_line_and_then_nothing(
    world: World,
    closed: Closed,
    db: Database,
    deliver: Any,
    export: HttpJournalExport,
    storage_dir: Path,
    keys_dir: Path,
) -> None:
    year_id, data = closed
    await deliver(year_closed(world, data))

    @contextlib.asynccontextmanager
    async def journal(_: Settings) -> AsyncIterator[JournalExport]:
        yield export

    settings = Settings(database_url=db.url, storage_dir=storage_dir, keys_dir=keys_dir)
    jobs = SealingJobs(settings, db, exports=journal)

    assert await jobs.run_once() == 1
    assert await jobs.run_once() == 0
    [year] = await in_line(db, year_id)
    assert year["status"] == "sealed" and year["sealed_at"] is not None
