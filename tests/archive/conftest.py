"""Archive fixtures: a migrated database rolled back per test, an app, tokens."""

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from archive.consumers import subscriptions
from archive.main import create_app
from archive.settings import Settings
from shared.bus.inprocess import InProcessBroker, InProcessBus
from shared.db import Database
from shared.events import CloudEvent, Event
from shared.testing import TokenFactory, rolled_back

MigratedDatabase = Callable[[str], Awaitable[Database]]
Deliver = Callable[[Event | CloudEvent], Awaitable[CloudEvent]]


@pytest.fixture(scope="session")
async def archive_db(migrated_database: MigratedDatabase) -> Database:
    return await migrated_database("archive")


@pytest.fixture
async def db(archive_db: Database) -> AsyncIterator[Database]:
    async with rolled_back(archive_db) as test_db:
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
def deliver(db: Database) -> Deliver:
    """Hand an event to archive's consumer as the bus would; returns the envelope."""
    [subscription] = subscriptions(db)

    async def send(event: Event | CloudEvent) -> CloudEvent:
        envelope = event if isinstance(event, CloudEvent) else event.to_cloudevent()
        envelope = CloudEvent.from_json(envelope.to_json())
        await subscription.handler(envelope)
        return envelope

    return send
