"""Journal fixtures (the database, app, client and tokens come from tests/conftest.py)."""

import httpx
import pytest
from journal_world import World, build_world

from shared.db import Database
from shared.testing import TokenFactory


@pytest.fixture(scope="session")
def service() -> str:
    return "journal"


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
