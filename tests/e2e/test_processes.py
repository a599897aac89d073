"""A service's relay and consumers as processes of their own (`python -m <svc> relay|consume`),
on RabbitMQ and PostgreSQL: journal's relays publish what journal staged in its outbox,
reporting's consumers apply it. Every test has fresh databases and a fresh vhost, so no
queue exists before the processes start."""

import asyncio
import signal
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aio_pika
import httpx
import pytest
from sqlalchemy import text

from cluster import SERVICES, Cluster, Process, free_port
from shared.contracts.journal import ClassOpened
from shared.db import Database
from shared.migrations import upgrade
from shared.outbox import add_event
from shared.testing import create_database, drop_database, unique_name, with_database
from shared.testing_rabbit import RabbitVhosts
from shared.topology import registered_bindings
from tests.conftest import migrations_of

pytestmark = [pytest.mark.e2e, pytest.mark.rabbitmq]

USED = ("journal", "reporting")
WITHIN = 60.0


@dataclass
class Stage:
    cluster: Cluster
    journal: Database
    reporting: Database
    amqp_url: str

    async def start(self, *processes: Process) -> None:
        for process in processes:
            self.cluster.start_process(process)
        await asyncio.to_thread(self.cluster.wait_ready)

    async def stage_classes(self, count: int, per_transaction: int = 10) -> set[uuid.UUID]:
        """Journal's side of a change: events committed into its outbox."""
        school = uuid.uuid4()
        staged: set[uuid.UUID] = set()
        for start in range(0, count, per_transaction):
            async with self.journal.transaction() as session:
                for n in range(start, min(start + per_transaction, count)):
                    event = ClassOpened(
                        school_id=school, class_id=uuid.uuid4(), name=f"{n % 11 + 1}А", grade=5
                    )
                    staged.add(await add_event(session, event))
        return staged

    async def unpublished(self) -> int:
        return int(
            await _scalar(self.journal, "SELECT count(*) FROM outbox WHERE published_at IS NULL")
        )

    async def applied(self) -> tuple[int, int]:
        """Reporting's inbox rows and its projected classes."""
        inbox = await _scalar(self.reporting, "SELECT count(*) FROM inbox")
        classes = await _scalar(self.reporting, "SELECT count(*) FROM classes")
        return int(inbox), int(classes)

    async def queues(self) -> dict[str, tuple[int, int]]:
        """Every registered queue as the broker holds it: (messages ready, consumers)."""
        connection = await aio_pika.connect(self.amqp_url)
        try:
            channel = await connection.channel()
            found = {}
            for name in registered_bindings():
                queue = await channel.declare_queue(name, passive=True)
                result = queue.declaration_result
                found[name] = (result.message_count, result.consumer_count)
            return found
        finally:
            await connection.close()


async def _scalar(db: Database, sql: str) -> object:
    async with db.engine.connect() as conn:
        return (await conn.execute(text(sql))).scalar_one()


async def until(condition: Callable[[], Awaitable[bool]]) -> None:
    async with asyncio.timeout(WITHIN):
        while not await condition():
            await asyncio.sleep(0.2)


@pytest.fixture
async def stage(
    pg_admin_url: str, rabbit_vhosts: RabbitVhosts, tmp_path: Path
) -> AsyncIterator[Stage]:
    names = {service: unique_name(f"proc_{service}") for service in USED}
    urls = {service: with_database(pg_admin_url, name) for service, name in names.items()}
    databases: list[Database] = []
    # INFO: the tests read the processes' "stopped" lines.
    info = {f"{service.upper()}_LOG_LEVEL": "INFO" for service in USED}
    cluster = Cluster(tmp_path, urls, await rabbit_vhosts("processes"), settings=info)
    cluster.ports = {service: free_port() for service in SERVICES}  # no API runs here
    try:
        for service in USED:
            await create_database(pg_admin_url, names[service])
            await upgrade(migrations_of(service), urls[service])
            databases.append(Database(urls[service], pool_size=2))
        yield Stage(cluster, databases[0], databases[1], cluster.amqp_url)
    except BaseException:
        for name in cluster.processes:
            print(f"--- {name} log ---\n{cluster.log_tail(name)}")
        raise
    finally:
        await asyncio.to_thread(cluster.stop)
        for db in databases:
            await db.dispose()
        for name in names.values():
            await drop_database(pg_admin_url, name)


async def test_an_event_staged_before_any_consumer_ran_waits_in_its_declared_queue(
    stage: Stage,
) -> None:
    await stage.start(Process("journal", "relay"))
    # The relay declared every consuming service's queue before it published anything.
    assert set(await stage.queues()) == {"auth", "journal", "messaging", "reporting", "archive"}

    staged = await stage.stage_classes(5)

    async def published() -> bool:
        return await stage.unpublished() == 0

    await until(published)  # routed: unroutable events would stay unpublished
    queues = await stage.queues()
    assert queues["reporting"] == (len(staged), 0)  # waiting, no consumer has ever run
    assert queues["archive"] == (len(staged), 0)
    assert queues["messaging"] == (len(staged), 0)  # its directory keeps the classes
    assert queues["journal"] == (0, 0)  # not bound to its own classes opened

    await stage.start(Process("reporting", "consume"))

    async def applied() -> bool:
        return await stage.applied() == (len(staged), len(staged))

    await until(applied)


async def test_two_relays_and_two_consumers_side_by_side_apply_every_event_once(
    stage: Stage,
) -> None:
    await stage.start(
        Process("journal", "relay"),
        Process("journal", "relay", 2),
        Process("reporting", "consume"),
        Process("reporting", "consume", 2),
    )
    assert (await stage.queues())["reporting"][1] == 2  # two competing consumers

    staged: set[uuid.UUID] = set()
    for _ in range(4):  # while all four run, in commits of their own
        staged |= await stage.stage_classes(50)

    async def settled() -> bool:
        everything = (len(staged), len(staged))
        return await stage.unpublished() == 0 and await stage.applied() == everything

    await until(settled)
    async with stage.reporting.engine.connect() as conn:
        logged = set((await conn.execute(text("SELECT event_id FROM event_log"))).scalars().all())
    assert logged == staged
    assert (await stage.queues())["reporting"] == (0, 2)


async def test_relay_and_consumer_answer_health_and_stop_cleanly_on_sigterm(
    stage: Stage,
) -> None:
    await stage.start(Process("journal", "relay"), Process("reporting", "consume"))
    for name in ("journal-relay", "reporting-consume"):
        answer = httpx.get(stage.cluster.ready_url(name), timeout=5)
        assert answer.status_code == 200
        assert answer.json() == {"status": "ready", "checks": {"database": True, "broker": True}}

    for name in ("journal-relay", "reporting-consume"):
        process = stage.cluster.processes[name]
        process.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(process.wait, 30) == 0
        assert "stopped" in stage.cluster.log_tail(name)
    assert (await stage.queues())["reporting"][1] == 0  # the consumer left the queue
