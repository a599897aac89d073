"""Reporting's hand-written migrations create exactly the tables the models describe."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from reporting.models import Base
from shared.db import Database


async def test_migration_matches_the_models(service_db: Database) -> None:
    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with service_db.engine.connect() as connection:
        differences = await connection.run_sync(diff)
    # outbox and inbox come from shared.migrations and are not in the service's metadata.
    unexpected = [
        d
        for d in differences
        if not (
            d[0] == "remove_table"
            and d[1].name in {"outbox", "inbox", "alembic_version", "token_revocations"}
        )
        and not (
            d[0] == "remove_index" and d[1].table.name in {"outbox", "inbox", "token_revocations"}
        )
    ]
    assert unexpected == []
