"""The feed's unread count, reading everything at once, superseded notices leaving the
feed, and staff reading what reporting addressed to their account."""

import uuid
from collections.abc import Awaitable, Callable

import httpx
from messaging_events import mark_versions

from shared.contracts.journal import GuardianLinked
from shared.contracts.reporting import ReportReady
from shared.events import CloudEvent, Event
from shared.testing import TokenFactory

Deliver = Callable[[Event], Awaitable[CloudEvent]]
URL = "/api/messaging/notifications"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_unread_counts_and_reading_everything(
    client: httpx.AsyncClient, deliver: Deliver, tokens: TokenFactory
) -> None:
    school, student, parent = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await deliver(GuardianLinked(school_id=school, guardian_id=parent, student_id=student))
    first, *_ = mark_versions(school, student)
    second, *_ = mark_versions(school, student)
    await deliver(first)
    await deliver(second)
    mine = bearer(tokens.token(school_id=school, roles=["parent"], person_id=parent))
    childs = bearer(tokens.token(school_id=school, roles=["student"], person_id=student))

    assert (await client.get(f"{URL}/unread", headers=mine)).json() == {"unread": 2}
    page = (await client.get(URL, params={"unread": "true"}, headers=mine)).json()
    assert (page["total"], page["unread"], len(page["items"])) == (2, 2, 2)

    marked = await client.post(f"{URL}/read", headers=mine)

    assert marked.json() == {"marked": 2}
    assert (await client.get(f"{URL}/unread", headers=mine)).json() == {"unread": 0}
    assert (await client.get(URL, params={"unread": "true"}, headers=mine)).json()["items"] == []
    assert (await client.get(URL, headers=mine)).json()["total"] == 2
    assert (await client.get(f"{URL}/unread", headers=childs)).json() == {"unread": 2}
    elsewhere = bearer(tokens.token(school_id=uuid.uuid4(), roles=["parent"], person_id=parent))
    assert (await client.post(f"{URL}/read", headers=elsewhere)).json() == {"marked": 0}


async def test_a_superseded_notice_leaves_the_feed_and_the_count(
    client: httpx.AsyncClient, deliver: Deliver, tokens: TokenFactory
) -> None:
    school, student = uuid.uuid4(), uuid.uuid4()
    posted, changed, _, _ = mark_versions(school, student)
    await deliver(posted)
    await deliver(changed)
    mine = bearer(tokens.token(school_id=school, roles=["student"], person_id=student))

    page = (await client.get(URL, headers=mine)).json()

    assert [n["kind"] for n in page["items"]] == ["mark_changed"]
    assert (page["total"], page["unread"]) == (1, 1)


async def test_staff_read_what_reporting_addressed_to_them(
    client: httpx.AsyncClient, deliver: Deliver, tokens: TokenFactory
) -> None:
    school, deputy = uuid.uuid4(), uuid.uuid4()
    await deliver(
        ReportReady(
            school_id=school,
            report_id=uuid.uuid4(),
            kind="quarter_progress",
            recipients=[deputy],
            title="Качество знаний за 2-ю четверть",
        )
    )
    theirs = bearer(tokens.token(school_id=school, roles=["deputy"], account_id=deputy))
    colleague = bearer(tokens.token(school_id=school, roles=["deputy"]))
    elsewhere = bearer(tokens.token(school_id=uuid.uuid4(), roles=["deputy"], account_id=deputy))

    [notice] = (await client.get(URL, headers=theirs)).json()["items"]
    assert notice["text"] == "Отчёт готов: Качество знаний за 2-ю четверть"
    assert notice["student_id"] is None
    assert (await client.get(URL, headers=colleague)).json()["total"] == 0
    assert (await client.get(URL, headers=elsewhere)).json()["total"] == 0
    assert (await client.post(f"{URL}/{notice['id']}/read", headers=colleague)).status_code == 404
    assert (await client.post(f"{URL}/{notice['id']}/read", headers=theirs)).status_code == 204


async def test_the_unread_count_needs_a_valid_token(client: httpx.AsyncClient) -> None:
    assert (await client.get(f"{URL}/unread")).status_code == 401
    assert (await client.post(f"{URL}/read")).status_code == 401


async def test_a_bad_unread_filter_is_refused(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    mine = bearer(tokens.token(school_id=uuid.uuid4(), roles=["student"], person_id=uuid.uuid4()))

    response = await client.get(URL, params={"unread": "perhaps"}, headers=mine)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
