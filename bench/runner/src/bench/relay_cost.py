"""What the outbox relay costs: process CPU per event of relaying outbox rows (MarkPosted
envelopes, as the journal stages them) through RabbitMQ and through the PostgreSQL
transport.

    ./school python -m bench.relay_cost [--events 5000] [--batch 100] [--rounds 3]

Each round stages `events` rows in a fresh outbox database of the development machine's
PostgreSQL (or TEST_POSTGRES_URL), then times `OutboxRelay.publish_pending` until the
outbox is empty: the relay process's CPU (`time.process_time`, user + system) divided by
the events. The broker's own CPU (RabbitMQ, the PostgreSQL transport's backends) is not
in the figure. RabbitMQ is TEST_AMQP_URL (default the development broker), with an
exchange and a queue of the run's own, deleted afterwards. A measurement: it prints.
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import date
from pathlib import Path

import asyncpg
from sqlalchemy import text

from shared.bus import Bus
from shared.bus.postgres import PostgresBroker, PostgresBus
from shared.bus.rabbitmq import RabbitBus
from shared.contracts.journal import MarkPosted
from shared.db import Database
from shared.migrations import OUTBOX_AND_INBOX_DDL
from shared.outbox import staged
from shared.relay import OutboxRelay
from shared.testing import (
    create_database,
    drop_database,
    postgres_server,
    unique_name,
    with_database,
)
from shared.testing_rabbit import amqp_url_for_tests, delete_topology, unique_prefix

BusFactory = Callable[[str], AbstractAsyncContextManager[Bus]]


def rows(count: int) -> list[tuple[uuid.UUID, str, str]]:
    """`count` outbox rows of MarkPosted events of one school."""
    school, klass, subject, teacher = (uuid.uuid4() for _ in range(4))
    students = [uuid.uuid4() for _ in range(30)]
    made = []
    for i in range(count):
        row = staged(
            MarkPosted(
                school_id=school,
                mark_id=uuid.uuid4(),
                lesson_id=uuid.uuid4(),
                lesson_date=date(2026, 11, 28),
                student_id=students[i % len(students)],
                class_id=klass,
                subject_id=subject,
                subject_name="Математика",
                teacher_id=teacher,
                value=2 + i % 4,
                work_type="answer",
                weight=1,
            )
        )
        made.append((row.id, row.routing_key, row.envelope))
    return made


@asynccontextmanager
async def outbox_database(admin_url: str) -> AsyncIterator[Database]:
    name = unique_name("bench_relay")
    await create_database(admin_url, name)
    try:
        connection = await asyncpg.connect(with_database(admin_url, name, driver=""))
        try:
            for statement in OUTBOX_AND_INBOX_DDL:
                await connection.execute(statement)
        finally:
            await connection.close()
        db = Database(with_database(admin_url, name), pool_size=2)
        try:
            yield db
        finally:
            await db.dispose()
    finally:
        await drop_database(admin_url, name)


async def stage(db: Database, count: int) -> None:
    async with db.engine.connect() as connection:
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        await driver.executemany(
            "INSERT INTO outbox (id, routing_key, envelope) VALUES ($1, $2, $3::jsonb)",
            rows(count),
        )
        await connection.commit()


@asynccontextmanager
async def rabbit_bus(_admin_url: str) -> AsyncIterator[Bus]:
    url = amqp_url_for_tests()
    prefix = unique_prefix("bench-relay")
    exchange, queue = f"{prefix}.events", f"{prefix}.all"
    bus = RabbitBus(url, exchange=exchange, connection_name=prefix)
    try:
        await bus.start()
        if not await bus.is_ready():
            raise RuntimeError(f"RabbitMQ at {url} is not reachable")
        await bus.declare({queue: ["#"]})
        yield bus
    finally:
        await bus.close()
        await delete_topology(
            url, exchanges=(exchange, f"{exchange}.dlx"), queues=(queue, f"{queue}.dlq")
        )


@asynccontextmanager
async def postgres_bus(admin_url: str) -> AsyncIterator[Bus]:
    name = unique_name("bench_broker")
    await create_database(admin_url, name)
    broker = PostgresBroker(with_database(admin_url, name, driver=""))
    try:
        await broker.open()
        bus = PostgresBus(broker)
        await bus.declare({"all": ["#"]})
        yield bus
    finally:
        await broker.close()
        await drop_database(admin_url, name)


async def one_round(admin_url: str, make_bus: BusFactory, events: int, batch: int) -> float:
    """Milliseconds of the relay process's CPU per event."""
    async with outbox_database(admin_url) as db, make_bus(admin_url) as bus:
        relay = OutboxRelay(db, bus, batch_size=batch)
        await stage(db, batch)
        await relay.publish_pending()  # warm: connections open, statements prepared
        await stage(db, events)
        started = time.process_time()
        published = 0
        while done := await relay.publish_pending():
            published += done
        used = time.process_time() - started
        async with db.transaction() as session:
            left = await session.scalar(
                text("SELECT count(*) FROM outbox WHERE published_at IS NULL")
            )
        if published != events or left:
            raise RuntimeError(f"published {published} of {events}, {left} left")
    return used / events * 1000


async def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.relay_cost", description=__doc__)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=("rabbitmq", "postgres"))
    args = parser.parse_args(argv)
    transports: dict[str, BusFactory] = {"rabbitmq": rabbit_bus, "postgres": postgres_bus}
    with tempfile.TemporaryDirectory() as workdir, postgres_server(Path(workdir)) as admin_url:
        print(f"{args.events} outbox rows (MarkPosted), batches of {args.batch}, relay CPU:")
        for name, make_bus in transports.items():
            if args.only and name != args.only:
                continue
            figures = [
                await one_round(admin_url, make_bus, args.events, args.batch)
                for _ in range(args.rounds)
            ]
            print(
                f"  {name:>8}: median {statistics.median(figures):.3f} ms/event "
                f"(rounds: {', '.join(f'{f:.3f}' for f in figures)})"
            )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
