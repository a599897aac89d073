"""The safety net under every service's schemas (shared.inputs): a value the database or
Python refuses is a 422 problem, never a 500, while real failures stay what they were."""

import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from sqlalchemy import text

from shared.bus.inprocess import InProcessBroker, InProcessBus
from shared.db import Database
from shared.inputs import is_refused_value
from shared.settings import BaseServiceSettings
from shared.testing import TokenFactory
from shared.web import Session, create_service_app

router = APIRouter()
MigratedDatabase = Callable[[str], Awaitable[Database]]

# Each route hands the database a value no schema checked, as a forgotten field would.


@router.get("/nul-in-text")
async def nul_in_text(session: Session) -> None:
    await session.execute(text("SELECT CAST(:value AS text)"), {"value": "a\x00b"})


@router.get("/beyond-bigint")
async def beyond_bigint(session: Session) -> None:
    await session.execute(text("SELECT CAST(:value AS bigint)"), {"value": 10**20})


@router.get("/integer-overflow")
async def integer_overflow(session: Session) -> None:
    await session.execute(
        text("SELECT CAST(2147483647 AS integer) + CAST(:one AS integer)"), {"one": 1}
    )


@router.get("/date-overflow")
async def date_overflow() -> None:
    print(dt.date.max + dt.timedelta(days=1))


@router.get("/missing-table")
async def missing_table(session: Session) -> None:
    await session.execute(text("SELECT * FROM no_such_table"))


@pytest.fixture
async def database(migrated_database: MigratedDatabase) -> Database:
    return await migrated_database("archive")  # any migrated database: nothing is written


@pytest.fixture
async def client(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    settings = BaseServiceSettings(database_url=database.url)
    bus = InProcessBus(InProcessBroker())
    app: FastAPI = create_service_app(
        "things", settings, [router], bus=bus, keys=TokenFactory().keys()
    )
    app.state.db = database  # no lifespan: set by hand
    app.state.bus = bus
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/things") as c:
        yield c


@pytest.mark.parametrize(
    "path", ["/nul-in-text", "/beyond-bigint", "/integer-overflow", "/date-overflow"]
)
async def test_a_value_the_database_or_python_refuses_is_a_422_problem(
    client: httpx.AsyncClient, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        response = await client.get(path)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:school:problem:invalid-value"
    assert "a\x00b" not in caplog.text and "100000000000000000000" not in caplog.text


async def test_a_database_error_that_is_not_about_a_value_stays_a_500(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/missing-table")

    assert response.status_code == 500
    assert response.json()["type"] == "urn:school:problem:internal-error"


async def test_refused_values_are_told_apart_from_other_database_errors(
    database: Database,
) -> None:
    async def error_of(sql: str, **params: object) -> BaseException:
        with pytest.raises(Exception) as caught:
            async with database.transaction() as session:
                await session.execute(text(sql), params)
        return caught.value

    assert is_refused_value(await error_of("SELECT CAST(:v AS text)", v="\x00"))
    assert is_refused_value(await error_of("SELECT CAST(:v AS bigint)", v=10**20))
    assert is_refused_value(await error_of("SELECT CAST(:v AS integer) / 0", v=1))
    assert not is_refused_value(await error_of("SELECT * FROM no_such_table"))
    assert not is_refused_value(await error_of("SELECT CAST(:v AS uuid)", v=1))
    assert not is_refused_value(await error_of("SELECT CAST(:v AS date)", v="2026-12-01"))
