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


OUTBOX_AND_INBOX_DDL: tuple[str, ...] = (
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
"""The outbox (with its NOTIFY trigger) and the inbox, one statement each: asyncpg runs
statements as prepared statements, which take one command at a time."""


def create_outbox_and_inbox() -> None:
    """Create the outbox (with its NOTIFY trigger) and the inbox in a service database."""
    for statement in OUTBOX_AND_INBOX_DDL:
        op.execute(statement)


def drop_outbox_and_inbox() -> None:
    for statement in (
        "DROP TABLE inbox",
        "DROP TRIGGER outbox_inserted ON outbox",
        "DROP FUNCTION outbox_notify()",
        "DROP TABLE outbox",
    ):
        op.execute(statement)
