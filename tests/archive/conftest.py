"""Archive fixtures (the database, app, client, tokens and `deliver` come from
tests/conftest.py). Sealing needs a closed year in a real journal: journal's own world
(tests/journal/journal_world.py) is built on a migrated journal database, rolled back
per test like archive's, and its export is read over HTTP (ASGI) with a service token."""

import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "journal"))

from archive_samples import JOURNAL_URL, StaticToken
from journal_world import NOW, World, build_world
from yearend_samples import closed_year, service_token

from archive.journal_export import HttpJournalExport
from archive.main import create_app
from archive.sealing import Archive, Retention, seal_year
from archive.settings import Settings
from archive.storage import LocalStorage
from journal import clock
from journal.main import create_app as create_journal_app
from journal.settings import Settings as JournalSettings
from shared.bus.inprocess import InProcessBroker, InProcessBus
from shared.db import Database
from shared.testing import TokenFactory, rolled_back
from tests.conftest import MigratedDatabase


@pytest.fixture(scope="session")
def service() -> str:
    return "archive"


@pytest.fixture(autouse=True)
def journal_clock() -> Iterator[None]:
    """Journal's rules measure from its world's NOW, whatever the machine's date."""
    with clock.standing_at(NOW):
        yield


@pytest.fixture
def storage_dir(tmp_path: Path) -> Path:
    return tmp_path / "storage"


@pytest.fixture
def keys_dir(tmp_path: Path) -> Path:
    return tmp_path / "keys"


@pytest.fixture
def settings(db: Database, storage_dir: Path, keys_dir: Path) -> Settings:
    return Settings(
        database_url=db.url, storage_dir=storage_dir, keys_dir=keys_dir, seal_on_close=False
    )


@pytest.fixture
def app(db: Database, tokens: TokenFactory, settings: Settings) -> FastAPI:
    """Archive's app on the test's database and storage (no lifespan: no jobs)."""
    bus = InProcessBus(InProcessBroker())
    app = create_app(settings, bus=bus, keys=tokens.keys())
    app.state.db = db
    app.state.bus = bus
    return app


@pytest.fixture
async def journal_db(migrated_database: MigratedDatabase) -> AsyncIterator[Database]:
    async with rolled_back(await migrated_database("journal")) as test_db:
        yield test_db


@pytest.fixture
def journal_transport(journal_db: Database, tokens: TokenFactory) -> httpx.ASGITransport:
    """Journal's app on the test's journal database, reached over HTTP (ASGI)."""
    bus = InProcessBus(InProcessBroker())
    journal = create_journal_app(
        JournalSettings(database_url=journal_db.url), bus=bus, keys=tokens.keys()
    )
    journal.state.db = journal_db
    journal.state.bus = bus
    return httpx.ASGITransport(app=journal)


@pytest.fixture
async def journal_http(journal_transport: httpx.ASGITransport) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=journal_transport) as client:
        yield client


@pytest.fixture
async def world(
    journal_transport: httpx.ASGITransport, tokens: TokenFactory, journal_db: Database
) -> AsyncIterator[World]:
    """Journal's school: 5А and 5Б, two subjects, lessons, students and a parent."""
    async with httpx.AsyncClient(transport=journal_transport, base_url=JOURNAL_URL) as client:
        yield await build_world(client, tokens, journal_db)


@pytest.fixture
def export(journal_http: httpx.AsyncClient, tokens: TokenFactory) -> HttpJournalExport:
    return HttpJournalExport(journal_http, JOURNAL_URL, StaticToken(service_token(tokens)))


@pytest.fixture
def archive(db: Database, storage_dir: Path, keys_dir: Path) -> Archive:
    return Archive(
        db=db,
        storage=LocalStorage(storage_dir),
        keys_dir=keys_dir,
        retention=Retention(detailed_years=5, summary_years=25),
    )


@pytest.fixture
async def closed(world: World) -> tuple[uuid.UUID, dict[str, Any]]:
    """The world's 2026/27 with a full journal, closed: its id and the event's data."""
    year_id, data = await closed_year(world)
    return uuid.UUID(year_id), data


@pytest.fixture
async def sealed(
    world: World,
    closed: tuple[uuid.UUID, dict[str, Any]],
    archive: Archive,
    export: HttpJournalExport,
) -> uuid.UUID:
    """The world's 2026/27 closed and sealed into the test's storage; its id."""
    year_id, _ = closed
    assert await seal_year(archive, export, world.school_id, year_id) == "sealed"
    return year_id
