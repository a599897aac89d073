"""The shape every service app shares (shared.web, shared.errors, shared.logging):
problem+json for every error, request ids, and no personal data in the logs."""

import json
import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, ConfigDict, Field

from shared.bus.inprocess import InProcessBroker, InProcessBus
from shared.db import Database
from shared.errors import NotFound
from shared.logging import JsonFormatter
from shared.settings import BaseServiceSettings
from shared.testing import TokenFactory
from shared.web import create_service_app

router = APIRouter()


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: int = Field(ge=1, le=5)


@router.post("/things")
async def make_thing(body: Body) -> dict[str, int]:
    return {"value": body.value}


@router.get("/missing")
async def missing() -> None:
    raise NotFound("thing")


@router.get("/database-away")
async def database_away() -> None:
    raise ConnectionRefusedError("connection refused")


@router.get("/bug")
async def bug() -> None:
    raise RuntimeError("secret detail that must not leak")


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    settings = BaseServiceSettings(database_url="postgresql+asyncpg://nobody@127.0.0.1:9/none")
    bus = InProcessBus(InProcessBroker())
    app: FastAPI = create_service_app(
        "things", settings, [router], bus=bus, keys=TokenFactory().keys()
    )
    app.state.db = Database(settings.database_url)  # no lifespan: set by hand
    app.state.bus = bus
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


def assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, object]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert body["type"] == f"urn:school:problem:{slug}"
    assert body["status"] == status
    return body


async def test_routes_live_under_the_service_prefix_with_health_and_openapi(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/api/things/health")).json() == {"status": "ok", "service": "things"}
    paths = (await client.get("/api/things/openapi.json")).json()["paths"]
    assert "/api/things/things" in paths


async def test_not_ready_when_the_database_is_unreachable(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/things/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] is False


async def test_malformed_json_is_a_422_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/things/things", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_problem(response, 422, "validation-error")


async def test_unknown_fields_and_out_of_range_values_are_422_problems(
    client: httpx.AsyncClient,
) -> None:
    for body in ({"value": 3, "extra": 1}, {"value": 0}, {"value": 6}, {}):
        response = await client.post("/api/things/things", json=body)
        problem = assert_problem(response, 422, "validation-error")
        assert problem["errors"]


async def test_domain_errors_and_unknown_routes_are_problems(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/api/things/missing"), 404, "not-found")
    assert_problem(await client.get("/api/things/no-such-route"), 404, "not-found")
    assert_problem(await client.delete("/api/things/things"), 405, "method-not-allowed")


async def test_a_backing_service_away_is_a_retryable_503(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/things/database-away")
    assert_problem(response, 503, "unavailable")
    assert response.headers["retry-after"] == "1"


async def test_a_bug_is_a_500_problem_that_leaks_nothing(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/things/bug")
    assert_problem(response, 500, "internal-error")
    assert "secret" not in response.text


async def test_the_request_id_is_taken_or_made_and_echoed(client: httpx.AsyncClient) -> None:
    given = await client.get("/api/things/health", headers={"x-request-id": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = await client.get("/api/things/health")
    assert len(made.headers["x-request-id"]) == 32


def test_log_lines_keep_only_allow_listed_fields() -> None:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "request", None, None)
    record.__dict__.update(
        path="/api/journal/diary/1", status=200, password="hunter2", last_name="Иванов"
    )
    line = json.loads(JsonFormatter().format(record))
    assert line["path"] == "/api/journal/diary/1" and line["status"] == 200
    assert "password" not in line and "last_name" not in line
