"""Closing and reopening a period: POST /periods/{id}/close and /reopen (the deputy), its
history (GET /periods/{id}/history), the events journal.period.closed.v1 and
journal.period.reopened.v1 with the period's version, a closed year, and the calendar's
PUT refusing to move or remove a closed period."""

import uuid
from typing import Any

import pytest
from calendar_samples import YEAR_2026, year
from journal_world import World, outbox, problem_type, rows, table_counts
from period_closing import CLOSED, REOPENED, close, closed, open_year, period_id, reopen

NOT_CLOSERS = ["director", "sysadmin", "teacher", "class_teacher", "student", "parent"]


async def history(world: World, period: uuid.UUID) -> list[dict[str, Any]]:
    return await rows(
        world.db,
        "SELECT version, action, changed_by, reason FROM period_closings"
        " WHERE period_id = :period ORDER BY version",
        period=period,
    )


async def test_the_deputy_closes_a_quarter(world: World) -> None:
    opened = await open_year(world)
    quarter = period_id(opened, "quarter", 2)

    response = await close(world, quarter, body={"version": 1, "reason": "Итоги четверти"})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {
        "period_id": str(quarter),
        "year_id": opened["year_id"],
        "kind": "quarter",
        "number": 2,
        "name": "2 четверть",
        "starts_on": "2026-11-05",
        "ends_on": "2026-12-28",
        "closed_at": body["closed_at"],
        "closed_by": str(world.deputy),
        "version": 2,
    }
    assert body["closed_at"] is not None
    assert await history(world, quarter) == [
        {"version": 2, "action": "closed", "changed_by": world.deputy, "reason": "Итоги четверти"}
    ]
    # Everyone reading the calendar sees which periods are closed.
    read = await world.client.get(f"/years/{opened['year_id']}", headers=world.auth("teacher"))
    [shown] = [p for p in read.json()["periods"] if p["period_id"] == str(quarter)]
    assert (shown["closed_by"], shown["version"]) == (str(world.deputy), 2)
    assert [p["closed_at"] for p in read.json()["periods"]].count(None) == 5


async def test_closing_publishes_period_closed_with_the_periods_version(world: World) -> None:
    opened = await open_year(world)
    quarter = period_id(opened, "quarter", 2)

    body = (await close(world, quarter, body={"reason": "Итоги"})).json()

    [event] = await outbox(world.db, CLOSED, world.school_id)
    assert event["subject"] == f"period/{quarter}"
    assert (event["version"], event["schoolid"]) == (2, str(world.school_id))
    assert event["data"] == {
        "period_id": str(quarter),
        "year_id": opened["year_id"],
        "kind": "quarter",
        "number": 2,
        "starts_on": "2026-11-05",
        "ends_on": "2026-12-28",
        "closed_by": str(world.deputy),
        "closed_at": body["closed_at"],
    }  # the reason stays in journal


async def test_reopening_publishes_period_reopened_and_each_change_is_a_version(
    world: World,
) -> None:
    quarter = await closed(world)

    reopened = await reopen(world, quarter, body={"version": 2, "reason": "Исправить отметку"})
    again = await close(world, quarter, body={"version": 3})

    assert [r.status_code for r in (reopened, again)] == [200, 200]
    assert (reopened.json()["closed_at"], reopened.json()["closed_by"]) == (None, None)
    assert [r.json()["version"] for r in (reopened, again)] == [3, 4]
    assert await history(world, quarter) == [
        {"version": 2, "action": "closed", "changed_by": world.deputy, "reason": None},
        {
            "version": 3,
            "action": "reopened",
            "changed_by": world.deputy,
            "reason": "Исправить отметку",
        },
        {"version": 4, "action": "closed", "changed_by": world.deputy, "reason": None},
    ]
    [event] = await outbox(world.db, REOPENED, world.school_id)
    assert (event["subject"], event["version"]) == (f"period/{quarter}", 3)
    assert event["data"]["reopened_by"] == str(world.deputy)
    assert [e["version"] for e in await outbox(world.db, CLOSED, world.school_id)] == [2, 4]


async def test_closing_a_closed_period_or_reopening_an_open_one_changes_nothing(
    world: World,
) -> None:
    opened = await open_year(world)
    quarter, half = period_id(opened, "quarter", 2), period_id(opened, "half", 1)
    await close(world, quarter)
    before = await table_counts(world.db)

    again = await close(world, quarter)
    open_again = await reopen(world, half)

    assert [r.status_code for r in (again, open_again)] == [200, 200]
    assert (again.json()["version"], again.json()["closed_by"]) == (2, str(world.deputy))
    assert (open_again.json()["version"], open_again.json()["closed_at"]) == (1, None)
    assert await table_counts(world.db) == before


@pytest.mark.parametrize("who", NOT_CLOSERS)
async def test_only_the_deputy_closes_and_reopens(world: World, who: str) -> None:
    opened = await open_year(world)
    quarter, half = period_id(opened, "quarter", 2), period_id(opened, "half", 1)
    await close(world, half)
    before = await table_counts(world.db)

    closing = await close(world, quarter, who)
    reopening = await reopen(world, half, who)

    for response in (closing, reopening):
        assert response.status_code == 403, response.text
        assert problem_type(response) == "forbidden"
    assert await table_counts(world.db) == before


async def test_without_a_token_nothing_closes(world: World) -> None:
    quarter = period_id(await open_year(world), "quarter", 2)
    before = await table_counts(world.db)

    for path in ("close", "reopen", "history"):
        method = "GET" if path == "history" else "POST"
        response = await world.client.request(method, f"/periods/{quarter}/{path}")
        assert response.status_code == 401
        assert problem_type(response) == "unauthenticated"
    assert await table_counts(world.db) == before


async def test_another_schools_period_is_not_found(world: World, other: World) -> None:
    theirs = period_id(await open_year(other), "quarter", 2)
    before = await table_counts(world.db)

    for period in (theirs, uuid.uuid4()):
        for response in (
            await close(world, period),
            await reopen(world, period),
            await world.client.get(f"/periods/{period}/history", headers=world.auth("director")),
        ):
            assert response.status_code == 404, response.text
            assert problem_type(response) == "not-found"
    assert await table_counts(world.db) == before


async def test_a_stale_version_is_refused_with_the_current_state(world: World) -> None:
    quarter = await closed(world)
    before = await table_counts(world.db)

    response = await reopen(world, quarter, body={"version": 1})

    assert response.status_code == 409
    assert problem_type(response) == "stale-version"
    assert response.json()["current"] == {
        "period_id": str(quarter),
        "closed": True,
        "version": 2,
    }
    assert await table_counts(world.db) == before


@pytest.mark.parametrize(
    "body",
    [
        {"version": 0},
        {"version": "2"},
        {"version": 2**31},
        {"reason": ""},
        {"reason": "x" * 1001},
        {"reason": "a\x00b"},
        {"closed": True},
    ],
)
async def test_bad_input_is_refused_and_nothing_is_written(
    world: World, body: dict[str, Any]
) -> None:
    quarter = period_id(await open_year(world), "quarter", 2)
    before = await table_counts(world.db)

    response = await close(world, quarter, body=body)

    assert response.status_code == 422, response.text
    assert problem_type(response) == "validation-error"
    assert await table_counts(world.db) == before


async def test_a_period_of_a_closed_year_is_not_reopened(world: World) -> None:
    opened = await open_year(world)
    quarter = await close(world, period_id(opened, "quarter", 4))
    # Closing the year is year-end's work; here its columns are set as it will set them.
    await rows(
        world.db,
        "UPDATE academic_years SET closed_at = now(), closed_by = :who WHERE id = :year"
        " RETURNING id",
        who=world.deputy,
        year=opened["year_id"],
    )
    before = await table_counts(world.db)

    response = await reopen(world, uuid.UUID(quarter.json()["period_id"]))

    assert response.status_code == 409
    assert problem_type(response) == "year-closed"
    assert response.json()["detail"] == "Учебный год 2026/27 закрыт: его периоды не открываются."
    assert await table_counts(world.db) == before


async def test_the_history_is_read_by_the_deputy_and_the_director(world: World) -> None:
    quarter = await closed(world)
    await reopen(world, quarter, body={"reason": "Исправление"})

    for who in ("deputy", "director"):
        response = await world.client.get(f"/periods/{quarter}/history", headers=world.auth(who))
        assert response.status_code == 200, response.text
        changes = response.json()["changes"]
        assert [(c["version"], c["action"], c["reason"]) for c in changes] == [
            (2, "closed", None),
            (3, "reopened", "Исправление"),
        ]
        assert {c["changed_by"] for c in changes} == {str(world.deputy)}
    for who in ("teacher", "class_teacher", "sysadmin", "student", "parent"):
        response = await world.client.get(f"/periods/{quarter}/history", headers=world.auth(who))
        assert response.status_code == 403


async def test_the_history_is_append_only(world: World) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    quarter = await closed(world)
    for statement in (
        "UPDATE period_closings SET reason = 'x' WHERE period_id = :period",
        "DELETE FROM period_closings WHERE period_id = :period",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with world.db.transaction() as session:
                await session.execute(text(statement), {"period": quarter})


# --- the calendar of a year with closed periods -----------------------------------------


async def put_year(world: World, year_id: str, body: dict[str, Any]) -> Any:
    return await world.client.put(f"/years/{year_id}", json=body, headers=world.auth("deputy"))


async def test_the_calendar_does_not_move_a_closed_period(world: World) -> None:
    opened = await open_year(world)
    await close(world, period_id(opened, "quarter", 2))
    moved = year()
    moved["periods"][1]["ends_on"] = "2026-12-25"
    moved["holidays"][1]["starts_on"] = "2026-12-26"
    before = await table_counts(world.db)

    response = await put_year(world, opened["year_id"], moved)

    assert response.status_code == 409, response.text
    assert problem_type(response) == "period-closed"
    assert response.json()["detail"] == (
        "Период «2 четверть» закрыт: его даты не меняются. Сначала откройте его."
    )
    assert await table_counts(world.db) == before


async def test_the_calendar_does_not_remove_a_closed_period(world: World) -> None:
    opened = await open_year(world)
    await close(world, period_id(opened, "half", 1))
    quarters_only = year(periods=[p for p in YEAR_2026["periods"] if p["kind"] == "quarter"])
    before = await table_counts(world.db)

    response = await put_year(world, opened["year_id"], quarters_only)

    assert response.status_code == 409, response.text
    assert problem_type(response) == "period-closed"
    assert response.json()["detail"].startswith("Период «1 полугодие» закрыт: его нельзя убрать")
    assert await table_counts(world.db) == before


async def test_the_calendar_still_changes_around_a_closed_period(world: World) -> None:
    opened = await open_year(world)
    quarter = period_id(opened, "quarter", 2)
    await close(world, quarter)
    changed = year(
        holidays=[*YEAR_2026["holidays"], {"name": "8 Марта", "starts_on": "2027-03-08"}]
    )
    changed["periods"][3]["ends_on"] = changed["periods"][5]["ends_on"] = "2027-05-26"
    changed["ends_on"] = "2027-05-26"

    response = await put_year(world, opened["year_id"], changed)

    assert response.status_code == 200, response.text
    [kept] = [p for p in response.json()["periods"] if p["period_id"] == str(quarter)]
    assert (kept["closed_by"], kept["version"]) == (str(world.deputy), 2)


async def test_the_calendar_of_a_closed_year_does_not_change(world: World) -> None:
    opened = await open_year(world)
    await rows(
        world.db,
        "UPDATE academic_years SET closed_at = now(), closed_by = :who WHERE id = :year"
        " RETURNING id",
        who=world.deputy,
        year=opened["year_id"],
    )
    changed = year(
        holidays=[*YEAR_2026["holidays"], {"name": "8 Марта", "starts_on": "2027-03-08"}]
    )
    before = await table_counts(world.db)

    response = await put_year(world, opened["year_id"], changed)

    assert response.status_code == 409
    assert problem_type(response) == "year-closed"
    assert response.json()["detail"] == "Учебный год 2026/27 закрыт: его календарь не меняется."
    assert await table_counts(world.db) == before
