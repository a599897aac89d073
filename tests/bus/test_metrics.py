"""`/api/<service>/metrics` (shared.metrics), on the app directly: Prometheus text with
the outbox backlog and its oldest age, parked rows, consumer lag, dead letters and the
request latency by route template and status."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, insert, text

from shared.bus import Subscription
from shared.bus.inprocess import InProcessBroker, InProcessBus
from shared.db import Database
from shared.events import CloudEvent
from shared.outbox import outbox
from shared.settings import BaseServiceSettings
from shared.testing import TokenFactory
from shared.testing_bus import make_event, wait_for
from shared.web import create_service_app

router = APIRouter()


@router.get("/items/{item_id}")
async def item(item_id: int) -> dict[str, int]:
    return {"item_id": item_id}


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(body: str) -> Samples:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


class Stuck:
    """A consumer that holds every delivery until released: what it has not taken yet
    is the lag."""

    def __init__(self) -> None:
        self.release = asyncio.Event()

    async def __call__(self, _batch: Sequence[CloudEvent]) -> None:
        await self.release.wait()


@pytest.fixture
async def service(db: Database) -> AsyncIterator[tuple[FastAPI, InProcessBroker, Stuck]]:
    broker = InProcessBroker(prefetch=1, batch_size=1)
    stuck = Stuck()
    settings = BaseServiceSettings(database_url=db.url, relay_poll_interval=60)
    app = create_service_app(
        "things",
        settings,
        [router],
        subscriptions=lambda _db: [Subscription("things", ("test.#",), stuck)],
        bus=InProcessBus(broker),
        keys=TokenFactory().keys(),
    )
    async with app.router.lifespan_context(app):
        yield app, broker, stuck
        stuck.release.set()
    await broker.close()


async def scrape(app: FastAPI) -> tuple[httpx.Response, Samples]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/api/things/metrics")
    return response, parse(response.text)


async def test_metrics_report_the_outbox_backlog_its_age_and_parked_rows(
    db: Database, service: tuple[FastAPI, InProcessBroker, Stuck]
) -> None:
    app, _, _ = service
    async with db.transaction() as session:
        for created in ("now() - interval '90 seconds'", "now()"):
            await session.execute(
                insert(outbox).values(
                    id=uuid.uuid4(),
                    routing_key="test.nobody.listens.v1",  # unroutable: stays unpublished
                    envelope={},
                    created_at=text(created),
                )
            )
        await session.execute(
            insert(outbox).values(
                id=uuid.uuid4(), routing_key="test.v1", envelope={}, parked_at=func.now()
            )
        )

    response, samples = await scrape(app)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert samples[("outbox_backlog_rows", ())] == 2
    assert 90 <= samples[("outbox_oldest_unpublished_age_seconds", ())] < 120
    assert samples[("outbox_parked_rows", ())] == 1
    assert samples[("metrics_outbox_readable", ())] == 1


async def test_metrics_report_consumer_lag_and_dead_letters(
    service: tuple[FastAPI, InProcessBroker, Stuck],
) -> None:
    app, broker, _ = service
    broker.publish_raw("test.garbage.v1", b"not a cloudevent")

    async def dead_lettered() -> bool:
        return len(broker.dead_letters("things")) == 1

    await wait_for(dead_lettered)
    for _ in range(3):
        broker.route(make_event())

    async def one_taken() -> bool:
        return len(broker.queues["things"].ready) == 2

    await wait_for(one_taken)
    _, samples = await scrape(app)

    assert samples[("queue_ready_messages", (("queue", "things"),))] == 2
    assert samples[("dead_letters", (("queue", "things"),))] == 1


async def test_request_latency_is_counted_by_route_template_and_status(
    service: tuple[FastAPI, InProcessBroker, Stuck],
) -> None:
    app, _, _ = service
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for path in ("/api/things/items/1", "/api/things/items/2", "/api/things/items/x"):
            await client.get(path)
        await client.get("/api/things/nowhere")

    _, samples = await scrape(app)

    def count(route: str, status: str) -> float:
        labels = (("method", "GET"), ("route", route), ("status", status))
        return samples[("http_request_duration_seconds_count", labels)]

    assert count("/api/things/items/{item_id}", "200") == 2
    assert count("/api/things/items/{item_id}", "422") == 1
    assert count("unmatched", "404") == 1
    assert not any("items/1" in dict(labels).get("route", "") for _, labels in samples)


async def test_the_metrics_are_not_part_of_the_public_api(
    service: tuple[FastAPI, InProcessBroker, Stuck],
) -> None:
    app, _, _ = service
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        paths = (await client.get("/api/things/openapi.json")).json()["paths"]
    assert "/api/things/metrics" not in paths
