"""GET /api/archive/received-events/summary: counts by event type for the caller's school."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import date

import httpx
import pytest

from shared.contracts.journal import ClassOpened, MarkPosted, StudentEnrolled
from shared.events import CloudEvent, Event
from shared.testing import TokenFactory

Deliver = Callable[[Event | CloudEvent], Awaitable[CloudEvent]]

URL = "/api/archive/received-events/summary"
PROBLEM = "application/problem+json"


def bearer(tokens: TokenFactory, school: uuid.UUID, *roles: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + tokens.token(school_id=school, roles=list(roles))}


def mark(school: uuid.UUID, klass: uuid.UUID) -> MarkPosted:
    return MarkPosted(
        school_id=school,
        mark_id=uuid.uuid4(),
        lesson_id=uuid.uuid4(),
        lesson_date=date(2026, 11, 28),
        student_id=uuid.uuid4(),
        class_id=klass,
        subject_id=uuid.uuid4(),
        subject_name="Математика",
        teacher_id=uuid.uuid4(),
        value=4,
        work_type="test",
        weight=2,
    )


async def fill(deliver: Deliver, school: uuid.UUID, marks: int) -> None:
    klass = uuid.uuid4()
    await deliver(ClassOpened(school_id=school, class_id=klass, name="7В", grade=7))
    await deliver(StudentEnrolled(school_id=school, student_id=uuid.uuid4(), class_id=klass))
    for _ in range(marks):
        await deliver(mark(school, klass))


@pytest.mark.parametrize("role", ["director", "deputy", "sysadmin"])
async def test_administration_sees_counts_for_its_own_school_only(
    client: httpx.AsyncClient, tokens: TokenFactory, deliver: Deliver, role: str
) -> None:
    school, other = uuid.uuid4(), uuid.uuid4()
    await fill(deliver, school, marks=3)
    await fill(deliver, other, marks=7)

    response = await client.get(URL, headers=bearer(tokens, school, role))

    assert response.status_code == 200
    assert response.json() == {
        "school_id": str(school),
        "total": 5,
        "counts": {
            "journal.class.opened.v1": 1,
            "journal.mark.posted.v1": 3,
            "journal.student.enrolled.v1": 1,
        },
    }


async def test_a_school_with_nothing_received_gets_empty_counts(
    client: httpx.AsyncClient, tokens: TokenFactory, deliver: Deliver
) -> None:
    await fill(deliver, uuid.uuid4(), marks=2)
    school = uuid.uuid4()

    response = await client.get(URL, headers=bearer(tokens, school, "director"))

    assert response.json() == {"school_id": str(school), "total": 0, "counts": {}}


async def test_a_duplicate_delivery_is_counted_once(
    client: httpx.AsyncClient, tokens: TokenFactory, deliver: Deliver
) -> None:
    school = uuid.uuid4()
    event = mark(school, uuid.uuid4())
    await deliver(event)
    await deliver(event)

    body = (await client.get(URL, headers=bearer(tokens, school, "deputy"))).json()

    assert body["counts"] == {"journal.mark.posted.v1": 1}


@pytest.mark.parametrize(
    "roles",
    [
        ["teacher"],
        ["class_teacher", "teacher"],
        ["student"],
        ["parent"],
        ["district_inspector"],
        [],
    ],
)
async def test_other_roles_are_forbidden(
    client: httpx.AsyncClient, tokens: TokenFactory, deliver: Deliver, roles: list[str]
) -> None:
    school = uuid.uuid4()
    await fill(deliver, school, marks=1)

    response = await client.get(URL, headers=bearer(tokens, school, *roles))

    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"] == "urn:school:problem:forbidden"


async def test_the_summary_needs_a_valid_token(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    school = uuid.uuid4()
    good = bearer(tokens, school, "director")["Authorization"].removeprefix("Bearer ")
    header, payload, signature = good.split(".")
    forged = ("A" if signature[0] != "A" else "B") + signature[1:]
    cases = {
        "none": {},
        "garbage": {"Authorization": "Bearer x.y.z"},
        "tampered": {"Authorization": f"Bearer {header}.{payload}.{forged}"},
        "foreign key": {
            "Authorization": "Bearer " + TokenFactory().token(school_id=school, roles=["director"])
        },
        "expired": {
            "Authorization": "Bearer "
            + tokens.token(school_id=school, roles=["director"], ttl_seconds=-60)
        },
    }
    for name, headers in cases.items():
        response = await client.get(URL, headers=headers)
        assert response.status_code == 401, name
        assert response.headers["content-type"] == PROBLEM, name
        assert response.headers["www-authenticate"] == "Bearer", name
