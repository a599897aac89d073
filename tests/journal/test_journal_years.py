"""Academic years, their periods and holidays: /years. The deputy and the director open
and change them; everyone in the school reads them."""

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest
from calendar_samples import YEAR_2026, year
from journal_world import TODAY, World, build_world, outbox, problem_type, table_counts

from journal.calendar import service
from journal.calendar.models import Period
from shared.db import Database
from shared.security import User
from shared.testing import TokenFactory

CHANGED = "journal.year.calendar_changed.v1"
WRITERS = ["deputy", "director"]
NOT_WRITERS = ["sysadmin", "teacher", "class_teacher", "student", "parent"]
EVERYONE = [*WRITERS, *NOT_WRITERS]


@pytest.fixture
async def world(client: httpx.AsyncClient, tokens: TokenFactory, db: Database) -> World:
    """A school that has entered no calendar yet (and so holds no lessons)."""
    return await build_world(client, tokens, db, calendar=False)


@pytest.fixture
async def other(client: httpx.AsyncClient, tokens: TokenFactory, db: Database) -> World:
    return await build_world(client, tokens, db, calendar=False)


async def open_year(world: World, body: dict[str, Any] | None = None) -> dict[str, Any]:
    return await world.post("deputy", "/years", body or YEAR_2026)


async def test_the_deputy_opens_a_year_with_its_periods_and_holidays(world: World) -> None:
    response = await world.client.post("/years", json=YEAR_2026, headers=world.auth("deputy"))

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["name"] == "2026/27"
    assert (body["starts_on"], body["ends_on"], body["version"]) == ("2026-09-01", "2027-05-31", 1)
    assert [(p["kind"], p["number"], p["starts_on"], p["ends_on"]) for p in body["periods"]] == [
        (p["kind"], p["number"], p["starts_on"], p["ends_on"]) for p in YEAR_2026["periods"]
    ]
    assert body["holidays"][2] == {
        "name": "День защитника Отечества",
        "starts_on": "2027-02-23",
        "ends_on": "2027-02-23",  # a single day off
    }
    [event] = await outbox(world.db, CHANGED, world.school_id)
    assert event["subject"] == f"year/{body['year_id']}"
    assert (event["version"], event["schoolid"]) == (1, str(world.school_id))
    # The event carries the calendar; the closing state travels in journal.period.* events.
    calendar_fields = ("period_id", "kind", "number", "starts_on", "ends_on")
    assert event["data"]["periods"] == [{k: p[k] for k in calendar_fields} for p in body["periods"]]
    assert {(p["closed_at"], p["closed_by"], p["version"]) for p in body["periods"]} == {
        (None, None, 1)
    }
    assert event["data"]["holidays"] == body["holidays"]


@pytest.mark.parametrize("who", WRITERS)
async def test_the_deputy_and_the_director_change_a_year_and_each_change_is_a_new_version(
    world: World, who: str
) -> None:
    opened = await open_year(world)
    changed = year(
        holidays=[*YEAR_2026["holidays"], {"name": "8 Марта", "starts_on": "2027-03-08"}]
    )
    changed["periods"][3]["ends_on"] = changed["periods"][5]["ends_on"] = "2027-05-26"
    changed["ends_on"] = "2027-05-26"

    response = await world.client.put(
        f"/years/{opened['year_id']}", json=changed, headers=world.auth(who)
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["version"], body["ends_on"]) == (2, "2027-05-26")
    # Periods keep their ids: what refers to a quarter keeps holding.
    assert [p["period_id"] for p in body["periods"]] == [p["period_id"] for p in opened["periods"]]
    assert body["periods"][3]["ends_on"] == "2027-05-26"
    assert "8 Марта" in [h["name"] for h in body["holidays"]]
    events = sorted(await outbox(world.db, CHANGED, world.school_id), key=lambda e: e["version"])
    assert [e["version"] for e in events] == [1, 2]
    assert events[1]["data"]["ends_on"] == "2027-05-26"


async def test_the_same_calendar_again_changes_nothing(world: World) -> None:
    opened = await open_year(world)

    response = await world.client.put(
        f"/years/{opened['year_id']}", json=YEAR_2026, headers=world.auth("deputy")
    )

    assert response.status_code == 200
    assert response.json() == opened
    assert len(await outbox(world.db, CHANGED, world.school_id)) == 1


async def test_periods_are_added_later_and_removed_ones_go(world: World) -> None:
    opened = await open_year(world, year(periods=[], holidays=[]))
    assert opened["periods"] == []

    quarters = [p for p in YEAR_2026["periods"] if p["kind"] == "quarter"]
    with_quarters = await world.client.put(
        f"/years/{opened['year_id']}", json=year(periods=quarters), headers=world.auth("deputy")
    )
    with_halves = await world.client.put(
        f"/years/{opened['year_id']}", json=YEAR_2026, headers=world.auth("deputy")
    )
    only_halves = await world.client.put(
        f"/years/{opened['year_id']}",
        json=year(periods=[p for p in YEAR_2026["periods"] if p["kind"] == "half"]),
        headers=world.auth("deputy"),
    )

    assert [len(r.json()["periods"]) for r in (with_quarters, with_halves, only_halves)] == [
        4,
        6,
        2,
    ]
    assert only_halves.json()["version"] == 4
    assert [p["period_id"] for p in only_halves.json()["periods"]] == [
        p["period_id"] for p in with_halves.json()["periods"][4:]
    ]


@pytest.mark.parametrize("who", EVERYONE)
async def test_everyone_in_the_school_reads_its_years(world: World, who: str) -> None:
    opened = await open_year(world)
    earlier = await open_year(
        world, year(starts_on="2025-09-01", ends_on="2026-05-31", periods=[], holidays=[])
    )

    listed = await world.client.get("/years", headers=world.auth(who))
    one = await world.client.get(f"/years/{opened['year_id']}", headers=world.auth(who))

    assert listed.status_code == 200 and one.status_code == 200
    assert listed.json() == {"items": [opened, earlier]}  # newest first
    assert one.json() == opened


@pytest.mark.parametrize("who", EVERYONE)
async def test_everyone_reads_the_current_year(world: World, who: str) -> None:
    today = TODAY  # journal's clock
    around_today = year(
        starts_on=(today - dt.timedelta(days=100)).isoformat(),
        ends_on=(today + dt.timedelta(days=100)).isoformat(),
        periods=[],
        holidays=[],
    )
    current = await open_year(world, around_today)
    await open_year(
        world,
        year(
            starts_on=(today + dt.timedelta(days=120)).isoformat(),
            ends_on=(today + dt.timedelta(days=300)).isoformat(),
            periods=[],
            holidays=[],
        ),
    )

    response = await world.client.get("/years/current", headers=world.auth(who))

    assert response.status_code == 200
    assert response.json() == current


async def test_between_years_the_current_year_is_the_next_one(world: World) -> None:
    summer = dt.date(2026, 7, 15)
    await open_year(
        world, year(starts_on="2025-09-01", ends_on="2026-05-31", periods=[], holidays=[])
    )
    deputy = User(account_id=world.deputy, school_id=world.school_id, roles=frozenset({"deputy"}))

    async with world.db.transaction() as session:
        with pytest.raises(Exception) as none_yet:
            await service.current_year(session, deputy, today=summer)
    next_year = await open_year(world)
    async with world.db.transaction() as session:
        found = await service.current_year(session, deputy, today=summer)

    assert getattr(none_yet.value, "status", None) == 404
    assert str(found.year.id) == next_year["year_id"]


async def test_no_year_opened_means_no_current_year(world: World) -> None:
    response = await world.client.get("/years/current", headers=world.auth("student"))

    assert response.status_code == 404
    assert problem_type(response) == "not-found"


@pytest.mark.parametrize("who", NOT_WRITERS)
async def test_only_the_deputy_and_the_director_open_and_change_years(
    world: World, who: str
) -> None:
    opened = await open_year(world)
    before = await table_counts(world.db)

    posted = await world.client.post(
        "/years",
        json=year(starts_on="2027-09-01", ends_on="2028-05-31", periods=[], holidays=[]),
        headers=world.auth(who),
    )
    put = await world.client.put(
        f"/years/{opened['year_id']}", json=year(holidays=[]), headers=world.auth(who)
    )

    assert (posted.status_code, put.status_code) == (403, 403)
    assert problem_type(posted) == problem_type(put) == "forbidden"
    assert await table_counts(world.db) == before


async def test_another_schools_year_does_not_exist(world: World, other: World) -> None:
    theirs = await open_year(other)
    before = await table_counts(world.db)

    got = await world.client.get(f"/years/{theirs['year_id']}", headers=world.auth("deputy"))
    put = await world.client.put(
        f"/years/{theirs['year_id']}", json=year(holidays=[]), headers=world.auth("deputy")
    )
    listed = await world.client.get("/years", headers=world.auth("deputy"))
    current = await other.client.get("/years/current", headers=world.auth("deputy"))

    assert (got.status_code, put.status_code) == (404, 404)
    assert problem_type(got) == problem_type(put) == "not-found"
    assert listed.json() == {"items": []}
    assert current.status_code == 404
    assert await table_counts(world.db) == before


async def test_an_unknown_year_is_not_found(world: World) -> None:
    response = await world.client.put(
        f"/years/{uuid.uuid4()}", json=YEAR_2026, headers=world.auth("deputy")
    )

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/years"),
        ("POST", "/years"),
        ("GET", "/years/current"),
        ("GET", f"/years/{uuid.uuid4()}"),
        ("PUT", f"/years/{uuid.uuid4()}"),
    ],
    ids=["GET-/years", "POST-/years", "GET-/years/current", "GET-/years/{id}", "PUT-/years/{id}"],
)
async def test_no_token_no_calendar(world: World, method: str, path: str) -> None:
    response = await world.client.request(method, path, json=YEAR_2026)

    assert response.status_code == 401
    assert problem_type(response) == "unauthenticated"


async def test_years_of_a_school_do_not_overlap(world: World) -> None:
    await open_year(world)
    before = await table_counts(world.db)

    response = await world.client.post(
        "/years",
        json=year(starts_on="2027-05-01", ends_on="2028-04-30", periods=[], holidays=[]),
        headers=world.auth("deputy"),
    )

    assert response.status_code == 409
    assert problem_type(response) == "years-overlap"
    assert await table_counts(world.db) == before


def bad_calendar() -> dict[str, Any]:
    body = year()
    body["periods"][0]["starts_on"] = "2026-08-20"  # before the year
    body["periods"][1]["starts_on"] = "2026-10-20"  # overlaps quarter 1
    body["periods"][4]["ends_on"] = "2026-08-30"  # ends before it starts
    body["holidays"][2]["starts_on"] = "2027-06-12"  # outside the year
    return body


async def test_an_inconsistent_calendar_names_every_bad_field_and_writes_nothing(
    world: World,
) -> None:
    opened = await open_year(world)
    before = await table_counts(world.db)

    for response in (
        await world.client.post(
            "/years",
            json={**bad_calendar(), "starts_on": "2027-09-01", "ends_on": "2028-05-31"},
            headers=world.auth("deputy"),
        ),
        await world.client.put(
            f"/years/{opened['year_id']}", json=bad_calendar(), headers=world.auth("deputy")
        ),
    ):
        assert response.status_code == 422, response.text
        assert problem_type(response) == "validation-error"
    errors = response.json()["errors"]
    assert [(e["loc"], e["type"]) for e in errors] == [
        (["body", "holidays", 2, "starts_on"], "outside_year"),
        (["body", "holidays", 2, "ends_on"], "outside_year"),
        (["body", "periods", 0, "starts_on"], "outside_year"),
        (["body", "periods", 1, "starts_on"], "overlap"),
        (["body", "periods", 4, "ends_on"], "date_order"),
    ]
    assert await table_counts(world.db) == before


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        (year(ends_on="2026-08-01"), ["body", "ends_on"]),
        (year(starts_on="not a date"), ["body", "starts_on"]),
        (
            year(periods=[{**YEAR_2026["periods"][0], "kind": "trimester"}]),
            ["body", "periods", 0, "kind"],
        ),
        (
            year(periods=[{**YEAR_2026["periods"][0], "number": 5}]),
            ["body", "periods", 0, "number"],
        ),
        (year(holidays=[{"name": "", "starts_on": "2026-11-04"}]), ["body", "holidays", 0, "name"]),
        (
            year(holidays=[{"name": "День", "starts_on": "2026-11-04", "extra": 1}]),
            ["body", "holidays", 0, "extra"],
        ),
        ({**YEAR_2026, "starts_on": "0001-01-01"}, ["body", "starts_on"]),
        ({"ends_on": "2027-05-31"}, ["body", "starts_on"]),
    ],
)
async def test_malformed_years_are_refused_with_the_field_named(
    world: World, body: dict[str, Any], loc: list[Any]
) -> None:
    before = await table_counts(world.db)

    response = await world.client.post("/years", json=body, headers=world.auth("deputy"))

    assert response.status_code == 422, response.text
    assert loc in [e["loc"] for e in response.json()["errors"]]
    assert await table_counts(world.db) == before


async def test_period_for_a_class_level_and_a_day(world: World) -> None:
    opened = await open_year(world)

    async with world.db.transaction() as session:

        async def number(grade: int, day: dt.date) -> tuple[str, int] | None:
            period: Period | None = await service.period_for(session, world.school_id, grade, day)
            return (period.kind, period.number) if period else None

        assert await number(5, dt.date(2026, 11, 23)) == ("quarter", 2)
        assert await number(10, dt.date(2026, 11, 23)) == ("half", 1)
        assert await number(5, dt.date(2026, 10, 28)) is None  # autumn holidays
        assert await number(11, dt.date(2026, 10, 28)) == ("half", 1)
        assert await number(5, dt.date(2027, 7, 1)) is None
        holiday = await service.holiday_on(session, world.school_id, dt.date(2026, 10, 28))
        assert holiday is not None and holiday.name == "Осенние каникулы"
        assert await service.holiday_on(session, world.school_id, dt.date(2026, 11, 23)) is None
    quarter_two = opened["periods"][1]["period_id"]
    async with world.db.transaction() as session:
        found = await service.period_for(session, world.school_id, 9, dt.date(2026, 12, 28))
        assert found is not None and str(found.id) == quarter_two
