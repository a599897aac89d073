"""What the web client's report screens need from reporting: the school's periods for their
pickers, and on every finding the journal page it is about (the assignment and the period
of the class level's kind: a quarter, or the half holding it)."""

import uuid
from datetime import date

import httpx
from reporting_school import School

from reporting.reports.context import Period, journal_period
from shared.contracts.journal import YearCalendarChanged, YearPeriod

MATHS = uuid.uuid5(uuid.NAMESPACE_URL, "screen-links:maths")
YEAR = uuid.uuid4()


def period(kind: str, number: int, first: date, last: date) -> Period:
    return Period(uuid.uuid4(), YEAR, "2026/2027", kind, number, first, last)


Q1 = period("quarter", 1, date(2026, 9, 1), date(2026, 10, 24))
Q2 = period("quarter", 2, date(2026, 11, 3), date(2026, 12, 27))
H1 = period("half", 1, date(2026, 9, 1), date(2026, 12, 27))


def test_a_month_is_looked_at_on_the_page_holding_most_of_it() -> None:
    periods = [Q1, Q2, H1]
    assert journal_period(periods, "quarter", date(2026, 10, 1), date(2026, 10, 31)) == Q1
    # 24 days of October in Q1; November in Q2 from the 3rd: 28 days.
    assert journal_period(periods, "quarter", date(2026, 11, 1), date(2026, 11, 30)) == Q2
    assert journal_period(periods, "half", date(2026, 11, 1), date(2026, 11, 30)) == H1
    # A quarter of a level graded by halves: the half holding it.
    assert journal_period(periods, "half", Q2.starts_on, Q2.ends_on) == H1


def test_a_tie_goes_to_the_later_page_and_no_page_is_none() -> None:
    first = period("quarter", 1, date(2026, 9, 1), date(2026, 9, 15))
    second = period("quarter", 2, date(2026, 9, 16), date(2026, 9, 30))
    assert journal_period([first, second], "quarter", date(2026, 9, 1), date(2026, 9, 30)) == (
        second
    )
    assert journal_period([Q1, Q2], "quarter", date(2026, 10, 25), date(2026, 11, 2)) is None
    assert journal_period([Q1, Q2], "half", date(2026, 10, 1), date(2026, 10, 31)) is None


def with_halves(s: School) -> YearCalendarChanged:
    """The usual four quarters and, for the levels graded by halves, two halves."""
    quarters = s.year()
    halves = [
        YearPeriod(
            period_id=uuid.uuid5(s.id, f"half-{n}"),
            kind="half",
            number=n,
            starts_on=first,
            ends_on=last,
        )
        for n, (first, last) in (
            (1, (date(2026, 9, 1), date(2026, 12, 27))),
            (2, (date(2027, 1, 9), date(2027, 5, 26))),
        )
    ]
    return quarters.model_copy(update={"periods": [*quarters.periods, *halves]})


async def setup(s: School) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """5А (quarters) and 10А (halves), each with maths by one teacher."""
    teacher = uuid.uuid4()
    fifth, tenth = uuid.uuid4(), uuid.uuid4()
    maths_5 = s.assignment(teacher_id=teacher, class_id=fifth, subject_id=MATHS)
    maths_10 = s.assignment(teacher_id=teacher, class_id=tenth, subject_id=MATHS)
    await s.deliver_batch(
        [
            s.registered(),
            with_halves(s),
            s.grading(),
            s.class_opened(class_id=fifth, name="5А", grade=5),
            s.class_opened(class_id=tenth, name="10А", grade=10),
            maths_5,
            maths_10,
        ]
    )
    return teacher, maths_5.assignment_id, maths_10.assignment_id


async def test_the_periods_of_the_school_for_the_pickers(
    client: httpx.AsyncClient, school: School
) -> None:
    await setup(school)
    await school.deliver(school.period_closed(1, version=1))
    response = await client.get("/api/reporting/periods", headers=school.token("director"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["half_year_grades"] == [10, 11]
    [year] = body["years"]
    assert (year["year_id"], year["name"]) == (str(school.year_id), "2026/2027")
    assert [(p["kind"], p["number"], p["closed"]) for p in year["periods"]] == [
        ("half", 1, False),
        ("quarter", 1, True),
        ("quarter", 2, False),
        ("half", 2, False),
        ("quarter", 3, False),
        ("quarter", 4, False),
    ]
    assert year["periods"][1]["period_id"] == str(school.period_id(1))


async def test_the_periods_are_the_staffs_and_the_schools_own(
    client: httpx.AsyncClient, school: School, other_school: School
) -> None:
    await setup(school)
    for roles in (("parent",), ("student",), ("district_inspector",)):
        response = await client.get("/api/reporting/periods", headers=school.token(*roles))
        assert response.status_code == 403, roles
        assert response.headers["content-type"].startswith("application/problem+json")
    response = await client.get("/api/reporting/periods", headers=other_school.token("director"))
    assert response.status_code == 200
    assert response.json()["years"] == []
    teacher = await client.get("/api/reporting/periods", headers=school.token("teacher"))
    assert [y["name"] for y in teacher.json()["years"]] == ["2026/2027"]


async def test_monthly_control_rows_name_their_journal_pages(
    client: httpx.AsyncClient, school: School
) -> None:
    teacher, maths_5, maths_10 = await setup(school)
    response = await client.get(
        "/api/reporting/journal-control",
        params={"month": "2026-11"},
        headers=school.token("teacher", account_id=teacher),
    )
    assert response.status_code == 200, response.text
    rows = {r["assignment_id"]: r for r in response.json()["assignments"]}
    q2, h1 = str(school.period_id(2)), str(uuid.uuid5(school.id, "half-1"))
    assert rows[str(maths_5)]["journal_period_id"] == q2
    assert [p["period_id"] for p in rows[str(maths_5)]["journal_pages"]] == [q2]
    assert rows[str(maths_10)]["journal_period_id"] == h1


async def test_a_month_across_two_quarters_names_both_pages(
    client: httpx.AsyncClient, school: School
) -> None:
    teacher, maths_5, _ = await setup(school)
    response = await client.get(
        "/api/reporting/journal-control",
        params={"month": "2026-10", "assignment_id": str(maths_5)},
        headers=school.token("teacher", account_id=teacher),
    )
    [row] = response.json()["assignments"]
    # October: 24 days in the first quarter, none in the second (it starts on 3 November).
    assert row["journal_period_id"] == str(school.period_id(1))
    response = await client.get(
        "/api/reporting/journal-control",
        params={"month": "2026-12", "assignment_id": str(maths_5)},
        headers=school.token("teacher", account_id=teacher),
    )
    [row] = response.json()["assignments"]
    assert row["journal_period_id"] == str(school.period_id(2))
    assert row["journal_pages"] == [
        {"period_id": str(school.period_id(2)), "starts_on": "2026-11-03", "ends_on": "2026-12-27"}
    ]


async def test_quarter_check_rows_name_the_page_of_their_class_level(
    client: httpx.AsyncClient, school: School
) -> None:
    _, maths_5, maths_10 = await setup(school)
    response = await client.get(
        "/api/reporting/quarter-check",
        params={"period_id": str(school.period_id(2))},
        headers=school.token("deputy"),
    )
    assert response.status_code == 200, response.text
    rows = {r["assignment_id"]: r for r in response.json()["assignments"]}
    assert rows[str(maths_5)]["journal_period_id"] == str(school.period_id(2))
    assert rows[str(maths_10)]["journal_period_id"] == str(uuid.uuid5(school.id, "half-1"))
