"""Alembic helpers: each service keeps its own migrations, run with these functions."""

import asyncio
from pathlib import Path

from alembic import command, op
from alembic.config import Config
from sqlalchemy import Connection, MetaData, text
from sqlalchemy.ext.asyncio import create_async_engine

from shared.outbox import NOTIFY_CHANNEL


def alembic_config(migrations_dir: Path, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    # The options are interpolated like configparser's: a percent-escaped URL (a socket
    # directory with a space, a password with `@`) must have its `%` doubled.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    return config


async def upgrade(migrations_dir: Path, url: str, revision: str = "head") -> None:
    """Migrate a service database to `revision` (from inside a running event loop)."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            # Replicas starting together migrate one at a time.
            await connection.execute(text("SELECT pg_advisory_xact_lock(7245001)"))

            def run(sync_connection: Connection) -> None:
                config = alembic_config(migrations_dir, url)
                config.attributes["connection"] = sync_connection
                command.upgrade(config, revision)

            await connection.run_sync(run)
    finally:
        await engine.dispose()


def run_env(target_metadata: MetaData) -> None:
    """The body of every service's migrations/env.py."""
    from alembic import context

    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection, target_metadata)
        return

    async def standalone() -> None:
        engine = create_async_engine(config.get_main_option("sqlalchemy.url") or "")
        async with engine.begin() as conn:
            await conn.run_sync(_run, target_metadata)
        await engine.dispose()

    asyncio.run(standalone())


def _run(connection: Connection, target_metadata: MetaData) -> None:
    from alembic import context

    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


INITIAL_OUTBOX_AND_INBOX_DDL: tuple[str, ...] = (
    """
    CREATE TABLE outbox (
        id uuid PRIMARY KEY,
        routing_key varchar(200) NOT NULL,
        envelope jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error text
    )
    """,
    """
    CREATE INDEX ix_outbox_unpublished ON outbox (next_attempt_at, created_at)
        WHERE published_at IS NULL
    """,
    """
    CREATE TABLE inbox (
        consumer varchar(100) NOT NULL,
        event_id uuid NOT NULL,
        event_type varchar(200) NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_inbox PRIMARY KEY (consumer, event_id)
    )
    """,
    f"""
    CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('{NOTIFY_CHANNEL}', '');
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER outbox_inserted AFTER INSERT ON outbox
        FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()
    """,
)
"""The outbox (with its NOTIFY trigger) and the inbox as every service's first migration
made them, one statement each: asyncpg runs statements as prepared statements, which take
one command at a time. Never changed: later steps are their own tuples below."""

OUTBOX_PARKING_AND_RETENTION_DDL: tuple[str, ...] = (
    # A row that failed `outbox_park_after` publishes is parked: kept for a look and a
    # re-drive, no longer claimed (shared.relay).
    "ALTER TABLE outbox ADD COLUMN parked_at timestamptz",
    "DROP INDEX ix_outbox_unpublished",
    """
    CREATE INDEX ix_outbox_unpublished ON outbox (next_attempt_at, created_at)
        WHERE published_at IS NULL AND parked_at IS NULL
    """,
    # The metrics count parked rows often; there are few, or none.
    "CREATE INDEX ix_outbox_parked ON outbox (parked_at) WHERE parked_at IS NOT NULL",
    # The purge (shared.purge) deletes by age. Both tables fill in time order, so a BRIN
    # index finds the old end for almost nothing on every insert.
    "CREATE INDEX ix_outbox_published_at ON outbox USING brin (published_at)",
    "CREATE INDEX ix_inbox_received_at ON inbox USING brin (received_at)",
)

OUTBOX_AND_INBOX_DDL: tuple[str, ...] = (
    *INITIAL_OUTBOX_AND_INBOX_DDL,
    *OUTBOX_PARKING_AND_RETENTION_DDL,
)
"""The outbox and the inbox as they are now (for databases built without alembic)."""


def create_outbox_and_inbox() -> None:
    """Create the outbox (with its NOTIFY trigger) and the inbox in a service database,
    as the first migration (later migrations call the steps after it)."""
    for statement in INITIAL_OUTBOX_AND_INBOX_DDL:
        op.execute(statement)


def add_outbox_parking_and_retention() -> None:
    """The outbox's parked rows and the purge's indexes (every service's 0002)."""
    for statement in OUTBOX_PARKING_AND_RETENTION_DDL:
        op.execute(statement)


def drop_outbox_parking_and_retention() -> None:
    for statement in (
        "DROP INDEX ix_inbox_received_at",
        "DROP INDEX ix_outbox_published_at",
        "DROP INDEX ix_outbox_parked",
        "DROP INDEX ix_outbox_unpublished",
        "DELETE FROM outbox WHERE parked_at IS NOT NULL",
        "ALTER TABLE outbox DROP COLUMN parked_at",
        """
        CREATE INDEX ix_outbox_unpublished ON outbox (next_attempt_at, created_at)
            WHERE published_at IS NULL
        """,
    ):
        op.execute(statement)


def drop_outbox_and_inbox() -> None:
    for statement in (
        "DROP TABLE inbox",
        "DROP TRIGGER outbox_inserted ON outbox",
        "DROP FUNCTION outbox_notify()",
        "DROP TABLE outbox",
    ):
        op.execute(statement)
