"""The purge (shared.purge): rows older than the retention go, newer ones and rows still
needed (unpublished, parked) stay; journal's idempotency keys go the same way."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, text

from journal.idempotency import RETAINED as IDEMPOTENCY_KEYS
from shared.db import Database
from shared.inbox import inbox
from shared.outbox import outbox
from shared.purge import Purge
from shared.testing_bus import wait_for

RETENTION = timedelta(days=7)
NOW = datetime.now(UTC)
OLD = NOW - RETENTION - timedelta(hours=1)
RECENT = NOW - RETENTION + timedelta(hours=1)


async def outbox_row(db: Database, **values: object) -> uuid.UUID:
    row_id = uuid.uuid4()
    async with db.transaction() as session:
        await session.execute(
            insert(outbox).values(id=row_id, routing_key="test.v1", envelope={}, **values)
        )
    return row_id


async def inbox_row(db: Database, received_at: datetime) -> uuid.UUID:
    event_id = uuid.uuid4()
    async with db.transaction() as session:
        await session.execute(
            insert(inbox).values(
                consumer="test", event_id=event_id, event_type="test.v1", received_at=received_at
            )
        )
    return event_id


async def remaining(db: Database, column: object) -> set[uuid.UUID]:
    async with db.transaction() as session:
        return set((await session.execute(select(column))).scalars())  # type: ignore[call-overload]


async def test_published_outbox_rows_and_inbox_rows_past_the_retention_are_purged(
    db: Database,
) -> None:
    old_published = await outbox_row(db, created_at=OLD, published_at=OLD)
    recent_published = await outbox_row(db, created_at=OLD, published_at=RECENT)
    old_unpublished = await outbox_row(db, created_at=OLD)
    old_parked = await outbox_row(db, created_at=OLD, parked_at=OLD)
    old_received = await inbox_row(db, OLD)
    recent_received = await inbox_row(db, RECENT)

    purged = await Purge(db, retention=RETENTION).purge_once()

    assert purged == {"outbox": 1, "inbox": 1}
    assert await remaining(db, outbox.c.id) == {recent_published, old_unpublished, old_parked}
    assert await remaining(db, inbox.c.event_id) == {recent_received}
    assert old_published not in await remaining(db, outbox.c.id)
    assert old_received not in await remaining(db, inbox.c.event_id)


async def test_the_purge_works_in_batches_until_nothing_old_is_left(db: Database) -> None:
    for _ in range(7):
        await inbox_row(db, OLD)
    purge = Purge(db, retention=RETENTION, batch_size=3)

    assert await purge.purge_once() == {"outbox": 0, "inbox": 7}
    assert purge.purged_total == {"outbox": 0, "inbox": 7}
    assert await purge.purge_once() == {"outbox": 0, "inbox": 0}


async def test_a_second_purge_of_the_same_database_leaves_the_work_to_the_first(
    db: Database, replica_db: Callable[[], Awaitable[Database]]
) -> None:
    await inbox_row(db, OLD)
    other = Purge(await replica_db(), retention=RETENTION)
    async with db.transaction() as session:
        await session.execute(text("SELECT pg_advisory_xact_lock(7245002)"))
        skipped = await other.purge_once()

    assert skipped == {}
    assert await other.purge_once() == {"outbox": 0, "inbox": 1}


async def test_the_background_purge_runs_at_start_and_stops(db: Database) -> None:
    old = await inbox_row(db, OLD)
    purge = Purge(db, retention=RETENTION, interval=3600)

    async def gone() -> bool:
        return old not in await remaining(db, inbox.c.event_id)

    await purge.start()
    try:
        await wait_for(gone)
    finally:
        await purge.stop()

    assert purge.purged_total["inbox"] == 1


async def test_journals_idempotency_keys_past_the_retention_are_purged(
    migrated_database: Callable[[str], Awaitable[Database]],
) -> None:
    journal = await migrated_database("journal")
    school = uuid.uuid4()
    async with journal.transaction() as session:
        for key, created in (("old", OLD), ("recent", RECENT)):
            await session.execute(
                text(
                    "INSERT INTO idempotency_keys (account_id, key, school_id, fingerprint,"
                    " status_code, response, created_at, completed_at)"
                    " VALUES (:account, :key, :school, 'f', 201, '{}', :created, :created)"
                ),
                {"account": uuid.uuid4(), "key": key, "school": school, "created": created},
            )

    await Purge(journal, retention=RETENTION, tables=[IDEMPOTENCY_KEYS]).purge_once()

    async with journal.transaction() as session:
        keys = (
            await session.execute(
                text("SELECT key FROM idempotency_keys WHERE school_id = :s"), {"s": school}
            )
        ).scalars()
        assert set(keys) == {"recent"}
