"""Parked outbox rows: the events a relay gave up on (shared.relay), listed and released.

    python -m shared.parked list <service> [--limit N]
    python -m shared.parked release <service> [--limit N]

The database is the service's own (`<SERVICE>_DATABASE_URL`). Listing shows each row's id,
routing key, attempts, when it was parked and its last error (the relay's text of it,
never the envelope: it carries personal data). Releasing hands the oldest rows back to
the relay as if new (attempts 0, due now), once whatever made them fail is fixed; a row
that still fails is parked again after `outbox_park_after` tries.
"""

import argparse
import asyncio
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

from sqlalchemy import func, select, update

from shared.db import Database
from shared.deadletters import DEFAULT_LIMIT, service_settings
from shared.logging import scrub
from shared.outbox import outbox


@dataclass(frozen=True)
class ParkedRow:
    id: uuid.UUID
    routing_key: str
    attempts: int
    parked_at: datetime
    last_error: str | None


async def parked_rows(db: Database, limit: int) -> list[ParkedRow]:
    """Up to `limit` parked rows, the longest parked first."""
    async with db.transaction() as session:
        rows = (
            await session.execute(
                select(
                    outbox.c.id,
                    outbox.c.routing_key,
                    outbox.c.attempts,
                    outbox.c.parked_at,
                    outbox.c.last_error,
                )
                .where(outbox.c.parked_at.is_not(None))
                .order_by(outbox.c.parked_at, outbox.c.id)
                .limit(limit)
            )
        ).all()
    return [ParkedRow(*row) for row in rows]


async def release(db: Database, limit: int) -> int:
    """Hand up to `limit` parked rows, the longest parked first, back to the relay."""
    oldest = select(outbox.c.id).where(outbox.c.parked_at.is_not(None))
    oldest = oldest.order_by(outbox.c.parked_at, outbox.c.id).limit(limit)
    async with db.transaction() as session:
        result = await session.execute(
            update(outbox)
            .where(outbox.c.id.in_(oldest.scalar_subquery()))
            .values(parked_at=None, attempts=0, next_attempt_at=func.now())
        )
    return int(getattr(result, "rowcount", 0) or 0)


async def command(argv: Sequence[str] | None = None, *, out: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m shared.parked", description="List or release parked outbox rows."
    )
    parser.add_argument("command", choices=("list", "release"))
    parser.add_argument("service", help="the service whose outbox it is")
    parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT, help="at most this many")
    args = parser.parse_args(argv)
    if args.limit < 1:
        parser.error("--limit must be at least 1")
    db = Database(service_settings(args.service).database_url, pool_size=1)
    try:
        if args.command == "list":
            for row in await parked_rows(db, args.limit):
                error = scrub(row.last_error or "-").replace("\n", " ")
                print(
                    f"{row.id}\t{row.routing_key}\tattempts={row.attempts}"
                    f"\t{row.parked_at.isoformat()}\t{error}",
                    file=out,
                )
        else:
            released = await release(db, args.limit)
            print(f"{args.service}: {released} parked rows released", file=out)
    finally:
        await db.dispose()
    return 0


def main() -> int:
    return asyncio.run(command())


if __name__ == "__main__":
    sys.exit(main())
