"""Reporting fixtures: a migrated database rolled back per test, an app, tokens, schools."""

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from reporting_school import School

from reporting.main import create_app
from reporting.settings import Settings
from shared.bus.inprocess import InProcessBroker, InProcessBus
from shared.db import Database
from shared.testing import TokenFactory, rolled_back

MigratedDatabase = Callable[[str], Awaitable[Database]]


@pytest.fixture(scope="session")
async def reporting_db(migrated_database: MigratedDatabase) -> Database:
    return await migrated_database("reporting")


@pytest.fixture
async def db(reporting_db: Database) -> AsyncIterator[Database]:
    async with rolled_back(reporting_db) as test_db:
        yield test_db


@pytest.fixture(scope="session")
def tokens() -> TokenFactory:
    return TokenFactory()


@pytest.fixture
async def client(db: Database, tokens: TokenFactory) -> AsyncIterator[httpx.AsyncClient]:
    bus = InProcessBus(InProcessBroker())
    app = create_app(Settings(database_url=db.url), bus=bus, keys=tokens.keys())
    app.state.db = db  # no lifespan in service tests
    app.state.bus = bus
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@pytest.fixture
def school(db: Database, tokens: TokenFactory) -> School:
    return School(db, tokens)


@pytest.fixture
def other_school(db: Database, tokens: TokenFactory) -> School:
    return School(db, tokens)
