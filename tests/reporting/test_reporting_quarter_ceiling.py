"""The benchmark's hand-written SQL (bench/scenarios/quarter_report.py) computes the same
counts as the progress report, so the ceiling it sets is a fair one."""

from datetime import date

import httpx
from reporting_school import School
from sqlalchemy.ext.asyncio import AsyncSession
from test_reporting_progress import a_quarter

from bench.scenarios.quarter_report import HAND_WRITTEN
from shared.db import Database


async def hand_written(session: AsyncSession, school: School) -> set[tuple[object, ...]]:
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    rows = await raw.driver_connection.fetch(  # type: ignore[union-attr]
        HAND_WRITTEN, school.id, date(2026, 11, 3), date(2026, 12, 27), school.period_id(2)
    )
    return {tuple(row.values()) for row in rows}


async def test_the_ceiling_counts_what_the_report_counts(
    client: httpx.AsyncClient, db: Database, school: School
) -> None:
    await a_quarter(school)
    response = await client.get(
        "/api/reporting/progress",
        params={"period_id": str(school.period_id(2))},
        headers=school.token("deputy"),
    )
    ours = {
        (g["class_id"], g["subject_id"], g["n5"], g["n4"], g["n3"], g["n2"], g["n_na"],
         g["n_exempt"])
        for g in response.json()["groups"]
    }  # fmt: skip
    async with db.transaction() as session:
        theirs = await hand_written(session, school)
    assert {tuple(str(v) if not isinstance(v, int) else v for v in row) for row in theirs} == ours
