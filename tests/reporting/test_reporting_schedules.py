"""Scheduled reports: a closed period's progress and check, the week's activity and the
month's control, each stored once with its parameters and announced through the outbox
(`reporting.report.ready.v1`, `reporting.check.completed.v1`) to the administration."""

import uuid
from datetime import date

import httpx
from openpyxl import load_workbook
from report_world import world
from reporting_school import School
from sqlalchemy import func, select, text

from reporting.schedules.produce import run_schedule
from reporting.schedules.tables import SnapshotRow
from shared.db import Database

DEPUTY = uuid.uuid4()
DIRECTOR = uuid.uuid4()


async def outbox(db: Database, school: School) -> list[tuple[str, dict[str, object]]]:
    async with db.transaction() as session:
        rows = await session.execute(
            text(
                "SELECT routing_key, envelope FROM outbox WHERE routing_key LIKE 'reporting.%' "
                "AND envelope ->> 'schoolid' = :school ORDER BY routing_key"
            ),
            {"school": str(school.id)},
        )
        return [(key, envelope["data"]) for key, envelope in rows]


async def snapshots(db: Database, school: School) -> list[SnapshotRow]:
    async with db.transaction() as session:
        return list(
            await session.scalars(
                select(SnapshotRow)
                .where(SnapshotRow.school_id == school.id)
                .order_by(SnapshotRow.kind)
            )
        )


async def a_school(school: School) -> None:
    w = world(school)
    await school.deliver_batch(
        [
            *w.events,
            school.staff_created(DEPUTY, "Петрова", "Анна", ["deputy"]),
            school.staff_created(DIRECTOR, "Орлова", "Вера", ["director"]),
            school.staff_created(uuid.uuid4(), "Сидорова", "Мария", ["teacher"]),
        ]  # type: ignore[list-item]
    )


async def test_closing_a_period_produces_its_reports_once(db: Database, school: School) -> None:
    await a_school(school)
    await school.deliver(school.period_closed(2, version=1))

    made = await snapshots(db, school)
    assert [(s.kind, s.params) for s in made] == [
        ("progress", {"period_id": str(school.period_id(2))}),
        ("quarter-check", {"period_id": str(school.period_id(2))}),
    ]
    assert (
        made[0].title
        == "Успеваемость и качество знаний: 2026/2027, 2 четверть (03.11.2026–27.12.2026)"
    )
    assert made[0].body["school"]["students_counted"] > 0
    events = await outbox(db, school)
    assert [key for key, _ in events] == [
        "reporting.check.completed.v1",
        "reporting.report.ready.v1",
    ]
    for _, data in events:
        assert sorted(data["recipients"]) == sorted([str(DEPUTY), str(DIRECTOR)])  # type: ignore[arg-type]
        assert data["period_id"] == str(school.period_id(2))
        assert data["report_id"] in {str(s.report_id) for s in made}

    # The same closing delivered again, a reopening and a new closing: nothing more.
    await school.deliver(school.period_closed(2, version=1))
    await school.deliver(school.period_reopened(2, version=2))
    await school.deliver(school.period_closed(2, version=3))
    assert len(await snapshots(db, school)) == 2
    assert len(await outbox(db, school)) == 2


async def test_a_reopened_period_arriving_late_produces_nothing(
    db: Database, school: School
) -> None:
    await a_school(school)
    await school.deliver(school.period_reopened(2, version=2))
    await school.deliver(school.period_closed(2, version=1))  # older: the period is open
    assert await snapshots(db, school) == []


async def test_the_daily_schedule_makes_what_is_due_once(db: Database, school: School) -> None:
    await a_school(school)
    async with db.transaction() as session:
        made = await run_schedule(session, date(2026, 12, 7))
    ours = await snapshots(db, school)
    assert {s.report_id for s in ours} <= set(made)
    assert [(s.kind, s.params) for s in ours] == [
        ("activity", {"week": "2026-11-30"}),
        ("journal-control", {"month": "2026-11"}),
    ]
    control = next(s for s in ours if s.kind == "journal-control")
    assert len(control.body["assignments"]) == 3
    async with db.transaction() as session:
        again = await run_schedule(session, date(2026, 12, 7))
        count = await session.scalar(
            select(func.count()).select_from(SnapshotRow).where(SnapshotRow.school_id == school.id)
        )
    assert not set(again) & {s.report_id for s in ours}
    assert count == 2


async def test_the_administration_reads_snapshots_in_any_format(
    client: httpx.AsyncClient, db: Database, school: School, other_school: School
) -> None:
    await a_school(school)
    await school.deliver(school.period_closed(2, version=1))
    listed = await client.get("/api/reporting/snapshots", headers=school.token("deputy"))
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert {i["kind"] for i in items} == {"progress", "quarter-check"}
    progress = next(i for i in items if i["kind"] == "progress")
    path = f"/api/reporting/snapshots/{progress['report_id']}"

    body = await client.get(path, headers=school.token("director"))
    assert body.json()["period"]["number"] == 2
    xlsx = await client.get(path, params={"format": "xlsx"}, headers=school.token("director"))
    assert (
        load_workbook(__import__("io").BytesIO(xlsx.content)).sheetnames[0] == "Классы и предметы"
    )

    teacher = await client.get(path, headers=school.token("teacher"))
    assert teacher.status_code == 403
    elsewhere = await client.get(path, headers=other_school.token("deputy"))
    assert elsewhere.status_code == 404
    assert elsewhere.headers["content-type"] == "application/problem+json"
    unknown = await client.get(
        f"/api/reporting/snapshots/{uuid.uuid4()}", headers=school.token("deputy")
    )
    assert unknown.status_code == 404
