"""A consumer process that dies between its commit and its acknowledgement.

    python crashing_consumer.py <broker url> <database url> <queue>

It consumes `<queue>` on the PostgreSQL broker with an idempotent handler (inbox and an
`effect` row per event, in its own database) and kills itself with SIGKILL as soon as the
handler's transaction has committed, before the bus can delete the batch: what a power
cut or the OOM killer does at the worst moment.
"""

import asyncio
import os
import signal
import sys
from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.bus import Subscription
from shared.bus.postgres import PostgresBroker, PostgresBus
from shared.db import Database
from shared.events import CloudEvent
from shared.inbox import idempotent_handler
from shared.testing_bus import ThingHappened

CONSUMER = "reporting"


async def record_effect(session: AsyncSession, event: ThingHappened) -> None:
    await session.execute(
        text("INSERT INTO effect (event_id, thing_id, note) VALUES (:e, :t, :n)"),
        {"e": event.event_id, "t": event.thing_id, "n": event.note},
    )


async def main(broker_url: str, database_url: str, queue: str) -> None:
    db = Database(database_url, pool_size=2)
    apply = idempotent_handler(db, CONSUMER, {ThingHappened: record_effect})

    async def apply_then_die(batch: Sequence[CloudEvent]) -> None:
        await apply(batch)  # committed in the consumer's own database
        os.kill(os.getpid(), signal.SIGKILL)

    broker = PostgresBroker(broker_url, batch_size=100, batch_wait=0.2, pool_size=2)
    await broker.open()
    bus = PostgresBus(broker)
    await bus.start([Subscription(queue, ("test.#",), apply_then_die)])
    await asyncio.Event().wait()  # until the kill


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
