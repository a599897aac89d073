"""GET /api/messaging/notifications and POST .../{id}/read: only one's own notices."""

import base64
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import date

import httpx
import pytest
from sqlalchemy import select

from messaging.models import Notification
from shared.contracts.journal import GuardianLinked, MarkPosted
from shared.db import Database
from shared.events import CloudEvent, Event
from shared.testing import TokenFactory

Deliver = Callable[[Event], Awaitable[CloudEvent]]
MakeMark = Callable[..., MarkPosted]
MakeLink = Callable[[uuid.UUID, uuid.UUID, uuid.UUID], GuardianLinked]

URL = "/api/messaging/notifications"
PROBLEM = "application/problem+json"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Family:
    """A student and a parent in one school, with tokens as auth would issue them."""

    def __init__(self, tokens: TokenFactory, school: uuid.UUID | None = None) -> None:
        self.school = school or uuid.uuid4()
        self.student = uuid.uuid4()
        self.parent = uuid.uuid4()
        self.student_token = tokens.token(
            school_id=self.school, roles=["student"], person_id=self.student
        )
        self.parent_token = tokens.token(
            school_id=self.school,
            roles=["parent"],
            person_id=self.parent,
            children=[self.student],
        )


@pytest.fixture
def family(tokens: TokenFactory) -> Family:
    return Family(tokens)


async def link_and_mark(
    family: Family, deliver: Deliver, make_mark: MakeMark, make_link: MakeLink, **mark: object
) -> MarkPosted:
    await deliver(make_link(family.school, family.parent, family.student))
    event = make_mark(family.school, family.student, **mark)
    await deliver(event)
    return event


async def test_student_sees_own_notifications_newest_first(
    client: httpx.AsyncClient,
    family: Family,
    deliver: Deliver,
    make_mark: MakeMark,
    make_link: MakeLink,
) -> None:
    await link_and_mark(family, deliver, make_mark, make_link, value=3)
    await deliver(
        make_mark(
            family.school,
            family.student,
            value=5,
            subject_name="Физика",
            lesson_date=date(2026, 11, 27),
            work_type="homework",
            weight=2,
        )
    )

    response = await client.get(URL, headers=bearer(family.student_token))

    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 2
    assert body["limit"] == 20
    assert body["offset"] == 0
    assert [n["text"] for n in body["items"]] == [
        "Новая отметка 5 (Домашняя работа, вес 2) по предмету «Физика» за 27.11.2026",
        "Новая отметка 3 (Ответ на уроке, вес 1) по предмету «Математика» за 28.11.2026",
    ]
    first = body["items"][0]
    assert set(first) == {"id", "kind", "student_id", "text", "payload", "created_at", "read_at"}
    assert first["kind"] == "mark_posted"
    assert first["student_id"] == str(family.student)
    assert first["read_at"] is None
    assert first["payload"]["value"] == 5
    assert first["payload"]["subject_name"] == "Физика"


async def test_parent_sees_the_notice_about_their_child(
    client: httpx.AsyncClient,
    family: Family,
    deliver: Deliver,
    make_mark: MakeMark,
    make_link: MakeLink,
) -> None:
    mark = await link_and_mark(family, deliver, make_mark, make_link)

    body = (await client.get(URL, headers=bearer(family.parent_token))).json()

    assert body["total"] == 1
    [notice] = body["items"]
    assert notice["student_id"] == str(family.student)
    assert notice["payload"]["mark_id"] == str(mark.mark_id)


async def test_parent_does_not_see_another_childs_notifications(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    family: Family,
    deliver: Deliver,
    make_mark: MakeMark,
    make_link: MakeLink,
) -> None:
    other = Family(tokens, school=family.school)
    await link_and_mark(other, deliver, make_mark, make_link)

    for token in (family.parent_token, family.student_token):
        body = (await client.get(URL, headers=bearer(token))).json()
        assert body == {"items": [], "total": 0, "unread": 0, "limit": 20, "offset": 0}


async def test_the_same_person_in_another_school_sees_nothing_of_this_school(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    family: Family,
    deliver: Deliver,
    make_mark: MakeMark,
    make_link: MakeLink,
) -> None:
    await link_and_mark(family, deliver, make_mark, make_link)
    elsewhere = tokens.token(school_id=uuid.uuid4(), roles=["student"], person_id=family.student)

    body = (await client.get(URL, headers=bearer(elsewhere))).json()

    assert body["total"] == 0
    assert body["items"] == []


@pytest.mark.parametrize("roles", [["teacher"], ["director"], ["deputy"], ["sysadmin"]])
async def test_staff_without_a_roster_person_get_an_empty_list(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    family: Family,
    deliver: Deliver,
    make_mark: MakeMark,
    make_link: MakeLink,
    roles: list[str],
) -> None:
    await link_and_mark(family, deliver, make_mark, make_link)
    token = tokens.token(school_id=family.school, roles=roles)

    response = await client.get(URL, headers=bearer(token))

    assert response.status_code == 200
    assert response.json() == {"items": [], "total": 0, "unread": 0, "limit": 20, "offset": 0}


async def test_pages_are_cut_by_limit_and_offset_with_the_full_total(
    client: httpx.AsyncClient,
    family: Family,
    deliver: Deliver,
    make_mark: MakeMark,
) -> None:
    for value in (2, 3, 4, 5):
        await deliver(make_mark(family.school, family.student, value=value))
    headers = bearer(family.student_token)

    first = (await client.get(URL, params={"limit": 3}, headers=headers)).json()
    second = (await client.get(URL, params={"limit": 3, "offset": 3}, headers=headers)).json()
    beyond = (await client.get(URL, params={"offset": 10}, headers=headers)).json()

    assert [n["payload"]["value"] for n in first["items"]] == [5, 4, 3]
    assert [n["payload"]["value"] for n in second["items"]] == [2]
    assert first["total"] == second["total"] == beyond["total"] == 4
    assert (second["limit"], second["offset"]) == (3, 3)
    assert beyond["items"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"limit": -1},
        {"offset": -1},
        {"limit": "ten"},
        {"offset": "1.5"},
    ],
)
async def test_page_out_of_range_is_rejected_as_problem(
    client: httpx.AsyncClient,
    family: Family,
    params: dict[str, object],
) -> None:
    response = await client.get(URL, params=params, headers=bearer(family.student_token))

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"] == "urn:school:problem:validation-error"


def tampered(token: str) -> str:
    """The token with its claims changed (school swapped) but the old signature kept."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["school"] = str(uuid.uuid4())
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def bad_tokens(tokens: TokenFactory, family: Family) -> dict[str, dict[str, str]]:
    stranger = TokenFactory()  # a key auth never published
    return {
        "none": {},
        "not bearer": {"Authorization": f"Basic {family.student_token}"},
        "garbage": bearer("not-a-jwt"),
        "tampered": bearer(tampered(family.student_token)),
        "expired": bearer(
            tokens.token(
                school_id=family.school,
                roles=["student"],
                person_id=family.student,
                ttl_seconds=-60,
            )
        ),
        "foreign key": bearer(
            stranger.token(school_id=family.school, roles=["student"], person_id=family.student)
        ),
        "wrong audience": bearer(
            tokens.token(
                school_id=family.school,
                roles=["student"],
                person_id=family.student,
                aud="elsewhere",
            )
        ),
    }


async def test_list_needs_a_valid_token(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    family: Family,
) -> None:
    for name, headers in bad_tokens(tokens, family).items():
        response = await client.get(URL, headers=headers)
        assert response.status_code == 401, name
        assert response.headers["content-type"] == PROBLEM, name
        assert response.json()["type"] == "urn:school:problem:unauthenticated", name


async def my_notice_id(client: httpx.AsyncClient, token: str) -> str:
    body = (await client.get(URL, headers=bearer(token))).json()
    return str(body["items"][0]["id"])


async def read_at_of(db: Database, notice_id: str) -> object:
    async with db.transaction() as session:
        return await session.scalar(
            select(Notification.read_at).where(Notification.id == uuid.UUID(notice_id))
        )


async def test_reading_a_notice_marks_it_read_once(
    client: httpx.AsyncClient,
    db: Database,
    family: Family,
    deliver: Deliver,
    make_mark: MakeMark,
    make_link: MakeLink,
) -> None:
    await link_and_mark(family, deliver, make_mark, make_link)
    notice = await my_notice_id(client, family.parent_token)

    response = await client.post(f"{URL}/{notice}/read", headers=bearer(family.parent_token))

    assert response.status_code == 204
    assert response.content == b""
    listed = (await client.get(URL, headers=bearer(family.parent_token))).json()["items"][0]
    assert listed["read_at"] is not None
    first_read = await read_at_of(db, notice)

    again = await client.post(f"{URL}/{notice}/read", headers=bearer(family.parent_token))

    assert again.status_code == 204
    assert await read_at_of(db, notice) == first_read
    # The child's own copy of the notice is untouched.
    childs = (await client.get(URL, headers=bearer(family.student_token))).json()["items"][0]
    assert childs["read_at"] is None


async def test_reading_another_childs_notice_is_not_found(
    client: httpx.AsyncClient,
    db: Database,
    tokens: TokenFactory,
    family: Family,
    deliver: Deliver,
    make_mark: MakeMark,
    make_link: MakeLink,
) -> None:
    other = Family(tokens, school=family.school)
    await link_and_mark(other, deliver, make_mark, make_link)
    theirs = await my_notice_id(client, other.student_token)

    for token in (family.parent_token, family.student_token):
        response = await client.post(f"{URL}/{theirs}/read", headers=bearer(token))
        assert response.status_code == 404
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"] == "urn:school:problem:not-found"
    assert await read_at_of(db, theirs) is None


async def test_reading_a_notice_from_another_school_is_not_found(
    client: httpx.AsyncClient,
    db: Database,
    tokens: TokenFactory,
    family: Family,
    deliver: Deliver,
    make_mark: MakeMark,
    make_link: MakeLink,
) -> None:
    await link_and_mark(family, deliver, make_mark, make_link)
    notice = await my_notice_id(client, family.student_token)
    elsewhere = tokens.token(school_id=uuid.uuid4(), roles=["student"], person_id=family.student)

    response = await client.post(f"{URL}/{notice}/read", headers=bearer(elsewhere))

    assert response.status_code == 404
    assert await read_at_of(db, notice) is None


async def test_staff_cannot_read_a_students_notice(
    client: httpx.AsyncClient,
    db: Database,
    tokens: TokenFactory,
    family: Family,
    deliver: Deliver,
    make_mark: MakeMark,
    make_link: MakeLink,
) -> None:
    await link_and_mark(family, deliver, make_mark, make_link)
    notice = await my_notice_id(client, family.student_token)
    director = tokens.token(school_id=family.school, roles=["director"])

    response = await client.post(f"{URL}/{notice}/read", headers=bearer(director))

    assert response.status_code == 404
    assert await read_at_of(db, notice) is None


async def test_reading_an_unknown_notice_is_not_found(
    client: httpx.AsyncClient,
    family: Family,
) -> None:
    response = await client.post(f"{URL}/{uuid.uuid4()}/read", headers=bearer(family.student_token))
    assert response.status_code == 404


async def test_reading_with_a_malformed_id_is_rejected_as_problem(
    client: httpx.AsyncClient,
    family: Family,
) -> None:
    response = await client.post(f"{URL}/not-a-uuid/read", headers=bearer(family.student_token))

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["loc"] == ["path", "notification_id"]


async def test_reading_needs_a_valid_token(
    client: httpx.AsyncClient,
    db: Database,
    tokens: TokenFactory,
    family: Family,
    deliver: Deliver,
    make_mark: MakeMark,
    make_link: MakeLink,
) -> None:
    await link_and_mark(family, deliver, make_mark, make_link)
    notice = await my_notice_id(client, family.student_token)

    for name, headers in bad_tokens(tokens, family).items():
        response = await client.post(f"{URL}/{notice}/read", headers=headers)
        assert response.status_code == 401, name
        assert response.headers["content-type"] == PROBLEM, name
    assert await read_at_of(db, notice) is None
