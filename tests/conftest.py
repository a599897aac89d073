"""Fixtures every test shares: a real PostgreSQL server, fresh migrated databases."""

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from shared.db import Database
from shared.migrations import upgrade
from shared.testing import (
    create_database,
    drop_database,
    postgres_server,
    rolled_back,
    unique_name,
    with_database,
)

ROOT = Path(__file__).resolve().parent.parent


def migrations_of(service: str) -> Path:
    return ROOT / "services" / service / "migrations"


@pytest.fixture(scope="session")
def pg_admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with postgres_server(tmp_path_factory.mktemp("postgres")) as url:
        yield url


MigratedDatabase = Callable[[str], Awaitable[Database]]


@pytest.fixture(scope="session")
async def migrated_database(pg_admin_url: str) -> AsyncIterator[MigratedDatabase]:
    """Factory: a fresh database for a service, migrated to head, dropped after the run."""
    created: list[tuple[str, Database]] = []

    async def make(service: str) -> Database:
        name = unique_name(f"test_{service}")
        await create_database(pg_admin_url, name)
        url = with_database(pg_admin_url, name)
        await upgrade(migrations_of(service), url)
        db = Database(url, pool_size=5)
        created.append((name, db))
        return db

    yield make
    for name, db in created:
        await db.dispose()
        await drop_database(pg_admin_url, name)


async def rollback_db(db: Database) -> AsyncIterator[Database]:
    """Per-test isolation: everything the test writes is rolled back."""
    async with rolled_back(db) as test_db:
        yield test_db
