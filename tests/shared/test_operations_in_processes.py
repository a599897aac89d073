"""Operations in the distributed mode's processes: the relay process purges (journal's
idempotency keys too), and the API process reports its queues without a bus."""

import asyncio
import os
import sys
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import aio_pika
import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from journal.idempotency import RETAINED
from shared.bus import Subscription
from shared.db import Database
from shared.events import CloudEvent
from shared.settings import BaseServiceSettings
from shared.testing import TokenFactory
from shared.testing_rabbit import RabbitVhosts
from shared.web import create_service_app

LONG_AGO = datetime.now(UTC) - timedelta(days=30)


def test_journals_relay_process_purges_its_idempotency_keys() -> None:
    import journal.__main__

    assert list(journal.__main__.PROCESSES.retained) == [RETAINED]


@pytest.mark.rabbitmq
async def test_the_relay_process_purges_what_is_past_the_retention(
    migrated_database: Callable[[str], Awaitable[Database]], rabbit_vhosts: RabbitVhosts
) -> None:
    journal = await migrated_database("journal")
    old_event, old_key = uuid.uuid4(), f"old-{uuid.uuid4().hex}"
    async with journal.transaction() as session:
        await session.execute(
            text(
                "INSERT INTO inbox (consumer, event_id, event_type, received_at)"
                " VALUES ('journal', :id, 'test.v1', :at)"
            ),
            {"id": old_event, "at": LONG_AGO},
        )
        await session.execute(
            text(
                "INSERT INTO idempotency_keys (account_id, key, school_id, fingerprint,"
                " created_at) VALUES (:account, :key, :school, 'f', :at)"
            ),
            {"account": uuid.uuid4(), "key": old_key, "school": uuid.uuid4(), "at": LONG_AGO},
        )

    async def left() -> tuple[int, int]:
        async with journal.transaction() as session:
            inbox = await session.scalar(
                text("SELECT count(*) FROM inbox WHERE event_id = :id"), {"id": old_event}
            )
            keys = await session.scalar(
                text("SELECT count(*) FROM idempotency_keys WHERE key = :k"), {"k": old_key}
            )
        return int(inbox or 0), int(keys or 0)

    relay = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "journal",
        "relay",
        env={
            **os.environ,
            "JOURNAL_DATABASE_URL": journal.url,
            "JOURNAL_AMQP_URL": await rabbit_vhosts("relay-purge"),
            "JOURNAL_LOG_LEVEL": "WARNING",
        },
    )
    try:
        async with asyncio.timeout(60):
            while await left() != (0, 0):
                await asyncio.sleep(0.1)
    finally:
        relay.terminate()
        await relay.wait()

    assert relay.returncode == 0


@pytest.mark.rabbitmq
async def test_an_api_process_reports_its_queue_through_a_connection_of_its_own(
    migrated_database: Callable[[str], Awaitable[Database]], rabbit_vhosts: RabbitVhosts
) -> None:
    amqp_url = await rabbit_vhosts("api-metrics")
    db = await migrated_database("messaging")
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        await channel.declare_queue("things", durable=True)
        for _ in range(2):
            await channel.default_exchange.publish(aio_pika.Message(b"{}"), "things")

    async def never(_batch: list[CloudEvent]) -> None:
        raise AssertionError("an API process consumes nothing")

    settings = BaseServiceSettings(database_url=db.url, amqp_url=amqp_url)
    app: FastAPI = create_service_app(
        "things",
        settings,
        [],
        subscriptions=lambda _db: [Subscription("things", ("test.#",), never)],
        keys=TokenFactory().keys(),
        role="api",
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            body = (await client.get("/api/things/metrics")).text

    samples = {
        (s.name, tuple(s.labels.items())): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }
    assert samples[("queue_ready_messages", (("queue", "things"),))] == 2
    assert samples[("dead_letters", (("queue", "things"),))] == 0
    assert samples[("metrics_outbox_readable", ())] == 1
