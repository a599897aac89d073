"""The live feed: a client connected to the stream receives a notification the consumer
writes (another connection, as the consume process would: PostgreSQL NOTIFY wakes the API
process's LISTEN); a reconnect with Last-Event-ID gets the ones it missed, in order; the
embedded gateway streams it; only one's own, in one's own school, are sent; the unread mail
rides on the same stream."""

import uuid

import httpx
import pytest
from fastapi import FastAPI
from live_stream import EventReader, served
from mail_testkit import MAIL, build_school, person, send
from messaging_events import mark_versions

from embedded.gateway import Gateway
from messaging.consumers import subscriptions
from messaging.main import create_app
from messaging.settings import Settings
from shared.contracts.journal import GuardianLinked
from shared.db import Database
from shared.events import CloudEvent, Event
from shared.testing import TokenFactory

STREAM = "/api/messaging/notifications/stream"


class Consumer:
    """messaging's consumer on the run's database, committing as the consume process."""

    def __init__(self, db: Database) -> None:
        [self.subscription] = subscriptions(db)

    async def deliver(self, *events: Event) -> None:
        await self.subscription.handler([e.to_cloudevent() for e in events])


@pytest.fixture
def api_app(service_db: Database, tokens: TokenFactory) -> FastAPI:
    """An API process's app (no bus: the consumer is elsewhere)."""
    return create_app(
        Settings(database_url=service_db.url, stream_heartbeat=1.0),
        keys=tokens.keys(),
        role="api",
    )


def parent_of(tokens: TokenFactory, school: uuid.UUID, parent: uuid.UUID) -> dict[str, str]:
    token = tokens.token(school_id=school, roles=["parent"], person_id=parent)
    return {"Authorization": f"Bearer {token}"}


async def test_an_open_stream_receives_what_the_consumer_writes_and_resumes_after_a_gap(
    api_app: FastAPI, service_db: Database, tokens: TokenFactory
) -> None:
    consumer = Consumer(service_db)
    school, student, parent = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await consumer.deliver(GuardianLinked(school_id=school, guardian_id=parent, student_id=student))
    headers = parent_of(tokens, school, parent)
    first, second, third, _ = mark_versions(school, student)
    other_mark, *_ = mark_versions(school, student)

    async with served(api_app) as base, httpx.AsyncClient(base_url=base, timeout=30) as client:
        async with client.stream("GET", STREAM, headers=headers) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            assert response.headers["cache-control"] == "no-cache"
            reader = EventReader(response)
            assert (await reader.next_of("unread")).data == {"unread": 0}  # subscribed

            await consumer.deliver(first)

            told = await reader.next_of("notification")
            assert told.data["payload"]["mark_id"] == str(first.mark_id)
            assert told.data["kind"] == "mark_posted"
            assert told.data["supersedes"] == []
            assert (await reader.next_of("unread")).data == {"unread": 1}
            seen = told.id
        assert seen is not None

        # While the client is away: a correction, a second one, and another mark.
        await consumer.deliver(second)
        await consumer.deliver(third, other_mark)

        resumed = {**headers, "Last-Event-ID": seen}
        async with client.stream("GET", STREAM, headers=resumed) as response:
            reader = EventReader(response)
            missed = [await reader.next_of("notification") for _ in range(2)]
    # The first correction was superseded by the second while nobody looked: only the
    # newest is sent, naming the notice it withdraws; then the other mark, in stream order.
    assert [(m.data["kind"], m.data["payload"]["mark_id"]) for m in missed] == [
        ("mark_changed", str(first.mark_id)),
        ("mark_posted", str(other_mark.mark_id)),
    ]
    assert missed[0].data["payload"]["value"] == 5
    assert told.data["id"] in missed[0].data["supersedes"]
    assert int(seen) < int(missed[0].id or 0) < int(missed[1].id or 0)


async def test_the_embedded_gateway_streams_it(
    api_app: FastAPI, service_db: Database, tokens: TokenFactory
) -> None:
    consumer = Consumer(service_db)
    school, student = uuid.uuid4(), uuid.uuid4()
    token = tokens.token(school_id=school, roles=["student"], person_id=student)
    mark, *_ = mark_versions(school, student)

    async with (
        served(Gateway({"messaging": api_app})) as base,
        httpx.AsyncClient(base_url=base, timeout=30) as client,
        client.stream("GET", STREAM, headers={"Authorization": f"Bearer {token}"}) as response,
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        reader = EventReader(response)
        await reader.next_of("unread")

        await consumer.deliver(mark)

        told = await reader.next_of("notification")
    assert told.data["payload"]["mark_id"] == str(mark.mark_id)


async def test_the_same_person_in_another_school_is_not_sent_this_schools_notices(
    api_app: FastAPI, service_db: Database, tokens: TokenFactory
) -> None:
    consumer = Consumer(service_db)
    school, elsewhere, student = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    token = tokens.token(school_id=elsewhere, roles=["student"], person_id=student)
    here, *_ = mark_versions(school, student)
    there, *_ = mark_versions(elsewhere, student)

    async with (
        served(api_app) as base,
        httpx.AsyncClient(base_url=base, timeout=30) as client,
        client.stream("GET", STREAM, headers={"Authorization": f"Bearer {token}"}) as response,
    ):
        reader = EventReader(response)
        await reader.next_of("unread")
        await consumer.deliver(here)
        await consumer.deliver(there)

        told = await reader.next_of("notification")
    assert told.data["payload"]["mark_id"] == str(there.mark_id)


async def test_the_stream_tells_the_unread_mail_as_it_arrives_and_is_read(
    api_app: FastAPI, service_db: Database, tokens: TokenFactory
) -> None:
    consumer = Consumer(service_db)

    async def deliver(event: Event) -> CloudEvent:
        await consumer.deliver(event)
        return event.to_cloudevent()

    school = await build_school(tokens, deliver)
    async with (
        served(api_app) as base,
        httpx.AsyncClient(base_url=base, timeout=30) as client,
        client.stream("GET", STREAM, headers=school.parent.headers) as parents,
        client.stream("GET", STREAM, headers=school.sysadmin.headers) as sysadmins,
    ):
        parent, admin = EventReader(parents), EventReader(sysadmins)
        assert (await parent.next_of("mail")).data == {"inbox": 0}
        assert (await admin.next_of("mail")).data == {"inbox": 0, "help": 0}

        sent = await send(client, school.teacher, [person(school.parent)])
        assert sent.status_code == 201, sent.text
        assert (await parent.next_of("mail")).data == {"inbox": 1}
        asked = await send(client, school.parent, [{"kind": "help"}], subject="Не вхожу")
        assert asked.status_code == 201, asked.text
        assert (await admin.next_of("mail")).data == {"inbox": 0, "help": 1}

        message = sent.json()["message"]["id"]
        read = await client.post(f"{MAIL}/messages/{message}/read", headers=school.parent.headers)
        assert read.status_code == 204
        assert (await parent.next_of("mail")).data == {"inbox": 0}
        # A new message, archived unread, leaves the count too; restored, it is back.
        again = await send(client, school.teacher, [person(school.parent)])
        assert (await parent.next_of("mail")).data == {"inbox": 1}
        thread = again.json()["message"]["thread_id"]
        await client.post(f"{MAIL}/threads/{thread}/archive", headers=school.parent.headers)
        assert (await parent.next_of("mail")).data == {"inbox": 0}
        await client.delete(f"{MAIL}/threads/{thread}/archive", headers=school.parent.headers)
        assert (await parent.next_of("mail")).data == {"inbox": 1}


@pytest.mark.parametrize("last_event_id", ["abc", "-1", "1.5", "9" * 21])
async def test_a_malformed_last_event_id_is_refused(
    client: httpx.AsyncClient, tokens: TokenFactory, last_event_id: str
) -> None:
    token = tokens.token(school_id=uuid.uuid4(), roles=["parent"], person_id=uuid.uuid4())

    response = await client.get(
        STREAM, headers={"Authorization": f"Bearer {token}", "Last-Event-ID": last_event_id}
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_the_stream_needs_a_valid_token(client: httpx.AsyncClient) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-jwt"}):
        response = await client.get(STREAM, headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
