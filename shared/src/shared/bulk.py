"""Bulk writes for batched consumers: a batch's rows of one table in one statement.

Rows are sorted by their key first, so that two consumers writing overlapping rows lock
them in the same order and do not deadlock each other. Each write is one statement,
compiled once and cached, executed for all the rows at once (the driver's executemany,
pipelined by asyncpg): a VALUES list as long as the batch would be compiled anew for every
batch, which costs more than the database's work on it.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

Row = Mapping[str, Any]


def _sort_key(row: Row, key: Sequence[str]) -> tuple[str, ...]:
    return tuple(str(row[column]) for column in key)


async def insert_new(
    session: AsyncSession, table: Table, key: Sequence[str], rows: Iterable[Row]
) -> None:
    """Insert the rows; one that conflicts with a stored row (on `key`, or any other
    unique constraint) is left out, the stored row kept as it is."""
    ordered = sorted(rows, key=lambda row: _sort_key(row, key))
    if ordered:
        await session.execute(insert(table).on_conflict_do_nothing(), ordered)


async def upsert_newer(
    session: AsyncSession, table: Table, key: Sequence[str], rows: Iterable[Row]
) -> None:
    """Insert the rows, or update a stored one only with a newer `version`.

    With it a projection ends in the same state whatever order the events arrive in, and
    an event applied twice changes nothing the second time. Of several rows with one key
    the newest is written (a statement may not change a row twice).
    """
    newest: dict[tuple[str, ...], Row] = {}
    for row in rows:
        row_key = _sort_key(row, key)
        held = newest.get(row_key)
        if held is None or held["version"] < row["version"]:
            newest[row_key] = row
    if not newest:
        return
    ordered = [newest[row_key] for row_key in sorted(newest)]
    columns = [column for column in ordered[0] if column not in key]
    statement = insert(table)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=list(key),
            set_={column: statement.excluded[column] for column in columns},
            where=table.c.version < statement.excluded.version,
        ),
        ordered,
    )


__all__ = ["insert_new", "upsert_newer"]
