"""The hand-written migrations create exactly the tables archive's models describe."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from archive.models import Base
from shared.db import Database

SHARED_TABLES = {"outbox", "inbox", "alembic_version", "token_revocations"}


async def test_migrations_match_the_models(service_db: Database) -> None:
    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with service_db.engine.connect() as connection:
        differences = await connection.run_sync(diff)
    # outbox, inbox and token_revocations come from shared.migrations, not these models.
    unexpected = [
        d
        for d in differences
        if not (d[0] == "remove_table" and d[1].name in SHARED_TABLES)
        and not (d[0] == "remove_index" and d[1].table.name in SHARED_TABLES)
    ]
    assert unexpected == []
