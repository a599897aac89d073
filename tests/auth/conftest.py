"""Auth fixtures: a migrated database rolled back per test, the app, schools and accounts."""

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from auth_testkit import RecordingSleeper, Schools
from fastapi import FastAPI

from auth.api import get_sleeper
from auth.consumers import subscriptions
from auth.main import create_app
from auth.passwords import Passwords
from auth.settings import Settings
from shared.bus.inprocess import InProcessBroker, InProcessBus
from shared.db import Database
from shared.events import CloudEvent, Event
from shared.testing import rolled_back

MigratedDatabase = Callable[[str], Awaitable[Database]]


@pytest.fixture(scope="session")
async def auth_db(migrated_database: MigratedDatabase) -> Database:
    return await migrated_database("auth")


@pytest.fixture
async def db(auth_db: Database) -> AsyncIterator[Database]:
    async with rolled_back(auth_db) as test_db:
        yield test_db


@pytest.fixture
def settings(auth_db: Database) -> Settings:
    return Settings(database_url=auth_db.url)


@pytest.fixture(scope="session")
def passwords() -> Passwords:
    return Passwords.from_settings(Settings())


@pytest.fixture
def sleeper() -> RecordingSleeper:
    return RecordingSleeper()


@pytest.fixture
def app(db: Database, settings: Settings, sleeper: RecordingSleeper) -> FastAPI:
    bus = InProcessBus(InProcessBroker())
    app = create_app(settings, bus=bus)
    app.state.db = db  # no lifespan in service tests
    app.state.bus = bus
    app.dependency_overrides[get_sleeper] = lambda: sleeper
    return app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@pytest.fixture
def schools(db: Database, passwords: Passwords, client: httpx.AsyncClient) -> Schools:
    return Schools(db, passwords, client)


Deliver = Callable[[Event], Awaitable[CloudEvent]]


@pytest.fixture
def deliver(db: Database) -> Deliver:
    """Hand an event to auth's consumer as the bus would; returns the envelope."""
    [subscription] = subscriptions(db)

    async def send(event: Event) -> CloudEvent:
        envelope = CloudEvent.model_validate_json(event.to_cloudevent().to_json())
        await subscription.handler(envelope)
        return envelope

    return send
