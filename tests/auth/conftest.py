"""Auth fixtures: a migrated database rolled back per test, the app, schools and accounts."""

import httpx
import pytest
from auth_testkit import RecordingSleeper, Schools
from fastapi import FastAPI

from auth.api import get_clock, get_sleeper
from auth.main import create_app
from auth.passwords import Passwords
from auth.settings import Settings
from shared.bus.inprocess import InProcessBroker, InProcessBus
from shared.db import Database


@pytest.fixture(scope="session")
def service() -> str:
    return "auth"


@pytest.fixture
def settings(service_db: Database) -> Settings:
    # Revocations are read on every token check (no second of grace to wait out).
    return Settings(database_url=service_db.url, revocation_refresh_interval=0)


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
    app.dependency_overrides[get_clock] = lambda: sleeper.now
    return app


@pytest.fixture
def schools(db: Database, passwords: Passwords, client: httpx.AsyncClient) -> Schools:
    return Schools(db, passwords, client)
