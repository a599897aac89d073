"""The hand-written migration builds exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, text

from journal.main import MIGRATIONS
from journal.models import Base
from shared.db import Database
from shared.migrations import alembic_config
from shared.testing import create_database, drop_database, unique_name, with_database


async def test_migrated_schema_matches_the_models(service_db: Database) -> None:
    shared_tables = {
        "outbox",
        "inbox",
        "alembic_version",
        "token_revocations",
    }  # shared's, not journal's models

    def journal_only(name: str | None, type_: str, parent: dict[str, str | None]) -> bool:
        table = name if type_ == "table" else parent.get("table_name")
        return table not in shared_tables

    def diff(connection: Connection) -> list[object]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": journal_only}
        )
        return list(compare_metadata(context, Base.metadata))

    async with service_db.engine.connect() as connection:
        assert await connection.run_sync(diff) == []


async def test_downgrade_removes_everything(pg_admin_url: str) -> None:
    from alembic import command

    name = unique_name("test_journal_down")
    await create_database(pg_admin_url, name)
    url = with_database(pg_admin_url, name)
    db = Database(url, pool_size=1)
    try:
        async with db.engine.begin() as connection:

            def up_and_down(sync: Connection) -> None:
                config = alembic_config(MIGRATIONS, url)
                config.attributes["connection"] = sync
                command.upgrade(config, "head")
                command.downgrade(config, "base")

            await connection.run_sync(up_and_down)
        async with db.engine.connect() as connection:
            tables = (
                (
                    await connection.execute(
                        text(
                            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                            " AND tablename <> 'alembic_version'"
                        )
                    )
                )
                .scalars()
                .all()
            )
        assert tables == []
    finally:
        await db.dispose()
        await drop_database(pg_admin_url, name)
