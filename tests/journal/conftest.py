"""Journal fixtures (the database, app, client and tokens come from tests/conftest.py)."""

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from journal_world import NOW, World, build_world

from journal import clock
from journal.main import create_app
from journal.settings import Settings
from shared.bus.inprocess import InProcessBroker, InProcessBus
from shared.db import Database
from shared.testing import TokenFactory


@pytest.fixture(scope="session")
def service() -> str:
    return "journal"


@pytest.fixture(autouse=True)
def journal_clock() -> Iterator[None]:
    """Journal's rules measure from NOW (see journal_world), not from the machine's date."""
    with clock.standing_at(NOW):
        yield


@pytest.fixture
def client_base_url() -> str:
    return "http://test/api/journal"


@pytest.fixture
async def world(client: httpx.AsyncClient, tokens: TokenFactory, db: Database) -> World:
    """A school with its staff, class 5А, two subjects, lessons, students and a parent."""
    return await build_world(client, tokens, db)


@pytest.fixture
async def other(client: httpx.AsyncClient, tokens: TokenFactory, db: Database) -> World:
    """Another school, built the same way: its objects must be invisible from `world`."""
    return await build_world(client, tokens, db)


@pytest.fixture
async def committed_world(service_db: Database, tokens: TokenFactory) -> AsyncIterator[World]:
    """A school on the session database whose requests really commit (for races); it is
    left behind, and no other test counts it."""
    bus = InProcessBus(InProcessBroker())
    app = create_app(Settings(database_url=service_db.url), bus=bus, keys=tokens.keys())
    app.state.db = service_db
    app.state.bus = bus
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/journal") as c:
        yield await build_world(c, tokens, service_db)
