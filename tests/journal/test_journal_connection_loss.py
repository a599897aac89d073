"""The hot paths send their statements straight through asyncpg, where SQLAlchemy's pool
does not see a lost connection: journal must still answer 503 (retry) once, never 500,
and then work on a fresh connection."""

import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from journal_world import problem_type

from journal.main import create_app
from journal.settings import Settings
from shared.bus.inprocess import InProcessBroker, InProcessBus
from shared.db import Database, asyncpg_dsn
from shared.testing import TokenFactory


@pytest.fixture
async def one_connection(service_db: Database) -> AsyncIterator[Database]:
    """Journal's database through a pool of exactly one connection, so that the test
    knows which connection the next request gets."""
    db = Database(service_db.url, pool_size=1)
    yield db
    await db.dispose()


@pytest.fixture
async def client(
    one_connection: Database, tokens: TokenFactory
) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(
        Settings(database_url=one_connection.url),
        bus=InProcessBus(InProcessBroker()),
        keys=tokens.keys(),
    )
    app.state.db = one_connection
    # As under uvicorn: the answer to an unexpected error is sent, the error not re-raised.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def terminate_the_pooled_connection(db: Database) -> None:
    async with db.engine.connect() as connection:
        pid = (await connection.get_raw_connection()).driver_connection.get_server_pid()
    admin = await asyncpg.connect(asyncpg_dsn(db.url))
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()


async def test_a_diary_read_on_a_lost_connection_answers_503_then_works_again(
    client: httpx.AsyncClient, one_connection: Database, tokens: TokenFactory
) -> None:
    token = tokens.token(school_id=uuid.uuid4(), roles=["director"])
    path = f"/api/journal/diary/{uuid.uuid4()}"
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get(path, headers=headers)).status_code == 404

    await terminate_the_pooled_connection(one_connection)
    lost = await client.get(path, headers=headers)
    again = await client.get(path, headers=headers)

    assert lost.status_code == 503, lost.text
    assert problem_type(lost) == "unavailable" and lost.headers["Retry-After"] == "1"
    assert again.status_code == 404


async def test_a_mark_posted_on_a_lost_connection_answers_503_then_works_again(
    client: httpx.AsyncClient, one_connection: Database, tokens: TokenFactory
) -> None:
    token = tokens.token(school_id=uuid.uuid4(), roles=["teacher"], account_id=uuid.uuid4())
    path = f"/api/journal/lessons/{uuid.uuid4()}/marks"
    headers = {"Authorization": f"Bearer {token}"}
    body = {"student_id": str(uuid.uuid4()), "value": 5, "work_type": "answer"}
    assert (await client.post(path, json=body, headers=headers)).status_code == 404

    await terminate_the_pooled_connection(one_connection)
    lost = await client.post(path, json=body, headers=headers)
    again = await client.post(path, json=body, headers=headers)

    assert lost.status_code == 503, lost.text
    assert problem_type(lost) == "unavailable" and lost.headers["Retry-After"] == "1"
    assert again.status_code == 404
