"""Errors classed: a database that is too busy (pool exhausted, a statement or a lock
waiting too long) answers a retryable 503, not a 500. Against a real PostgreSQL."""

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import asyncpg
import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from sqlalchemy import text

from shared.bus import is_transient
from shared.bus.inprocess import InProcessBroker, InProcessBus
from shared.db import Database, asyncpg_dsn
from shared.logging import JsonFormatter
from shared.settings import BaseServiceSettings
from shared.testing import TokenFactory
from shared.web import Session, create_service_app

router = APIRouter()


@router.get("/hold")
async def hold(session: Session, request: Request) -> dict[str, str]:
    """Keeps its pooled connection until the test lets go."""
    await session.execute(text("SELECT 1"))
    request.app.state.holding.set()
    await request.app.state.release.wait()
    return {"status": "released"}


@router.get("/quick")
async def quick(session: Session) -> dict[str, int]:
    return {"one": int(await session.scalar(text("SELECT 1")) or 0)}


@router.get("/slow")
async def slow(session: Session) -> None:
    await session.execute(text("SELECT pg_sleep(30)"))


@router.get("/locked")
async def locked(session: Session) -> None:
    await session.execute(text("LOCK TABLE outbox IN SHARE MODE"))


@pytest.fixture
async def database(migrated_database: Callable[[str], Awaitable[Database]]) -> Database:
    return await migrated_database("messaging")


@pytest.fixture
async def app(database: Database) -> AsyncIterator[FastAPI]:
    settings = BaseServiceSettings(
        database_url=database.url,
        pool_size=1,
        pool_timeout=0.2,
        statement_timeout=0.2,
        lock_timeout=0.2,
    )
    app = create_service_app(
        "things",
        settings,
        [router],
        bus=InProcessBus(InProcessBroker()),
        keys=TokenFactory().keys(),
    )
    app.state.holding, app.state.release = asyncio.Event(), asyncio.Event()
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/things") as c:
        yield c


def assert_retryable_503(response: httpx.Response) -> None:
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:school:problem:unavailable"
    assert response.headers["retry-after"] == "1"


async def test_a_request_finding_the_pool_exhausted_is_a_retryable_503(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    holder = asyncio.create_task(client.get("/hold"))
    async with asyncio.timeout(10):
        await app.state.holding.wait()

    refused = await client.get("/quick")
    app.state.release.set()

    assert_retryable_503(refused)
    assert (await holder).status_code == 200
    assert (await client.get("/quick")).json() == {"one": 1}  # the pool serves again


async def test_a_statement_past_the_statement_timeout_is_a_retryable_503(
    client: httpx.AsyncClient,
) -> None:
    assert_retryable_503(await client.get("/slow"))


async def test_a_lock_waited_for_past_the_lock_timeout_is_a_retryable_503(
    database: Database, client: httpx.AsyncClient
) -> None:
    other = await asyncpg.connect(asyncpg_dsn(database.url))
    try:
        async with other.transaction():
            await other.execute("LOCK TABLE outbox IN ACCESS EXCLUSIVE MODE")
            response = await client.get("/locked")
    finally:
        await other.close()

    assert_retryable_503(response)


async def test_every_connection_carries_the_configured_timeouts(database: Database) -> None:
    db = Database(database.url, pool_size=1, statement_timeout=1.5, lock_timeout=0.25)
    try:
        async with db.engine.connect() as connection:
            statement = await connection.scalar(text("SHOW statement_timeout"))
            lock = await connection.scalar(text("SHOW lock_timeout"))
    finally:
        await db.dispose()

    assert (statement, lock) == ("1500ms", "250ms")


async def test_pool_exhaustion_and_timeouts_are_transient_as_raised(database: Database) -> None:
    db = Database(database.url, pool_size=1, pool_timeout=0.05, statement_timeout=0.05)
    raised: list[BaseException] = []
    try:
        async with db.engine.connect():
            try:
                async with db.engine.connect():
                    pass
            except Exception as exc:
                raised.append(exc)
        try:
            async with db.engine.connect() as connection:
                await connection.execute(text("SELECT pg_sleep(5)"))
        except Exception as exc:
            raised.append(exc)
    finally:
        await db.dispose()

    assert [type(e).__name__ for e in raised] == ["TimeoutError", "DBAPIError"]
    assert all(is_transient(e) for e in raised)


class JsonLines(logging.Handler):
    """Formats each record as it is emitted, inside the request (as the service does)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict[str, object]] = []
        self.formatter = JsonFormatter()

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def log_lines() -> Iterator[list[dict[str, object]]]:
    handler = JsonLines()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler.lines
    finally:
        root.removeHandler(handler)


async def test_a_503_is_logged_once_as_a_warning_with_its_request_id_and_error(
    client: httpx.AsyncClient, log_lines: list[dict[str, object]]
) -> None:
    await client.get("/slow", headers={"x-request-id": "slow-1"})

    unavailable = [line for line in log_lines if line["message"] == "dependency unavailable"]
    assert len(unavailable) == 1
    [line] = unavailable
    assert line["level"] == "WARNING" and line["request_id"] == "slow-1"
    assert line["error_type"] == "DBAPIError"
    assert "canceling statement due to statement timeout" in str(line["error"])
