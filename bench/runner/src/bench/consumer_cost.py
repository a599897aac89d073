"""What a consumer's batch size costs: CPU per event of applying MarkPosted events through
reporting's consumer (inbox, event log, marks projection), one event per transaction
against batches.

    ./school python -m bench.consumer_cost [--events 2000] [--batch 100]

Each way runs on a fresh, migrated database of the development machine's PostgreSQL (or
TEST_POSTGRES_URL) with one pooled connection, so that the server side of the work is
the one backend's CPU, read from /proc. A measurement, not a judgement: it prints.
"""

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import text

from reporting.consumers import subscriptions
from reporting.main import MIGRATIONS
from shared.contracts.journal import MarkPosted
from shared.db import Database
from shared.events import CloudEvent
from shared.migrations import upgrade
from shared.testing import (
    create_database,
    drop_database,
    postgres_server,
    unique_name,
    with_database,
)

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def marks(count: int) -> list[CloudEvent]:
    """`count` marks of one school, as they arrive off the wire."""
    school, klass, subject, teacher = (uuid.uuid4() for _ in range(4))
    students = [uuid.uuid4() for _ in range(30)]
    return [
        CloudEvent.from_json(
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
            .to_cloudevent()
            .to_json()
        )
        for i in range(count)
    ]


def backend_cpu(pid: int) -> float:
    """Seconds of CPU a PostgreSQL backend has used (user + system)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


async def run(admin_url: str, events: list[CloudEvent], batch: int) -> tuple[float, float]:
    """(client ms, server ms) of CPU per event, applying `events` in batches of `batch`."""
    name = unique_name("bench_consumer")
    await create_database(admin_url, name)
    url = with_database(admin_url, name)
    db = Database(url, pool_size=1)
    try:
        await upgrade(MIGRATIONS, url)
        [subscription] = subscriptions(db)
        await subscription.handler(marks(batch))  # warm: statements prepared, caches filled
        async with db.engine.connect() as connection:
            backend = int(await connection.scalar(text("SELECT pg_backend_pid()")) or 0)
        server_before, client_before = backend_cpu(backend), time.process_time()
        for start in range(0, len(events), batch):
            await subscription.handler(events[start : start + batch])
        client = time.process_time() - client_before
        server = backend_cpu(backend) - server_before
        async with db.transaction() as session:
            applied = await session.scalar(text("SELECT count(*) FROM marks"))
        if applied != len(events) + batch:
            raise RuntimeError(f"applied {applied} marks, expected {len(events) + batch}")
    finally:
        await db.dispose()
        await drop_database(admin_url, name)
    return client / len(events) * 1000, server / len(events) * 1000


async def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.consumer_cost", description=__doc__)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir, postgres_server(Path(workdir)) as admin_url:
        print(f"{args.events} MarkPosted through reporting's consumer, CPU per event:")
        for batch in (1, args.batch):
            client, server = await run(admin_url, marks(args.events), batch)
            print(
                f"  batches of {batch:>4}: consumer {client:6.3f} ms + PostgreSQL "
                f"{server:6.3f} ms = {client + server:6.3f} ms"
            )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
