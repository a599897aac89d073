"""Journal service tests: a migrated database, each test rolled back, an app per test."""

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from journal_world import World, build_world

from journal.main import create_app
from journal.settings import Settings
from shared.bus.inprocess import InProcessBroker, InProcessBus
from shared.db import Database
from shared.testing import TokenFactory, rolled_back


@pytest.fixture(scope="session")
async def journal_db(migrated_database: Callable[[str], Awaitable[Database]]) -> Database:
    return await migrated_database("journal")


@pytest.fixture
async def db(journal_db: Database) -> AsyncIterator[Database]:
    async with rolled_back(journal_db) as test_db:
        yield test_db


@pytest.fixture(scope="session")
def tokens() -> TokenFactory:
    return TokenFactory()


@pytest.fixture
async def client(db: Database, tokens: TokenFactory) -> AsyncIterator[httpx.AsyncClient]:
    bus = InProcessBus(InProcessBroker())
    app = create_app(Settings(database_url=db.url), bus=bus, keys=tokens.keys())
    # No lifespan in service tests: the app works on the test's rolled-back database.
    app.state.db = db
    app.state.bus = bus
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/journal") as c:
        yield c


@pytest.fixture
async def world(client: httpx.AsyncClient, tokens: TokenFactory, db: Database) -> World:
    """A school with its staff, class 5А, two subjects, lessons, students and a parent."""
    return await build_world(client, tokens, db)


@pytest.fixture
async def other(client: httpx.AsyncClient, tokens: TokenFactory, db: Database) -> World:
    """Another school, built the same way: its objects must be invisible from `world`."""
    return await build_world(client, tokens, db)
