"""The roster projection from journal: applied once per event, in any order."""

import uuid
from collections.abc import Awaitable, Callable, Sequence

import httpx
import jwt
import pytest
from auth_testkit import Schools, count

from auth.consumers import HANDLERS, subscriptions
from shared.contracts.journal import (
    GuardianLinked,
    GuardianUnlinked,
    StudentEnrolled,
    StudentLeft,
    StudentTransferred,
)
from shared.db import Database
from shared.events import CloudEvent, Event
from shared.testing import inserts_into, statements

Deliver = Callable[[Event], Awaitable[CloudEvent]]


def test_auth_subscribes_to_the_roster_events_on_its_own_queue(db: Database) -> None:
    [subscription] = subscriptions(db)
    assert subscription.queue == "auth"
    assert set(subscription.routing_keys) == {
        "journal.student.enrolled.v1",
        "journal.student.transferred.v1",
        "journal.student.left.v1",
        "journal.guardian.linked.v1",
        "journal.guardian.unlinked.v1",
    }
    assert set(HANDLERS) == {
        StudentEnrolled,
        StudentTransferred,
        StudentLeft,
        GuardianLinked,
        GuardianUnlinked,
    }


async def test_student_enrolled_is_applied_once_on_duplicate_delivery(
    db: Database, deliver: Deliver
) -> None:
    school_id, student_id = uuid.uuid4(), uuid.uuid4()
    event = StudentEnrolled(school_id=school_id, student_id=student_id, class_id=uuid.uuid4())

    await deliver(event)
    await deliver(event)

    assert (
        await count(
            db,
            "SELECT count(*) FROM roster_people WHERE person_id = :p "
            "AND school_id = :s AND kind = 'student'",
            p=student_id,
            s=school_id,
        )
        == 1
    )
    assert (
        await count(
            db,
            "SELECT count(*) FROM inbox WHERE consumer = 'auth' AND event_id = :e",
            e=event.event_id,
        )
        == 1
    )


async def test_guardian_linked_is_applied_once_on_duplicate_delivery(
    db: Database, deliver: Deliver
) -> None:
    school_id, guardian_id, student_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    event = GuardianLinked(school_id=school_id, guardian_id=guardian_id, student_id=student_id)

    await deliver(event)
    await deliver(event)

    assert (
        await count(
            db,
            "SELECT count(*) FROM guardianships WHERE guardian_id = :g AND student_id = :s",
            g=guardian_id,
            s=student_id,
        )
        == 1
    )
    assert (
        await count(
            db,
            "SELECT count(*) FROM roster_people WHERE person_id = :g AND kind = 'guardian'",
            g=guardian_id,
        )
        == 1
    )
    assert await count(db, "SELECT count(*) FROM inbox WHERE event_id = :e", e=event.event_id) == 1


async def test_a_link_arriving_before_the_enrolment_gives_the_same_roster(
    db: Database, deliver: Deliver
) -> None:
    school_id, guardian_id, student_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await deliver(
        GuardianLinked(school_id=school_id, guardian_id=guardian_id, student_id=student_id)
    )
    await deliver(
        StudentEnrolled(school_id=school_id, student_id=student_id, class_id=uuid.uuid4())
    )

    assert (
        await count(
            db,
            "SELECT count(*) FROM roster_people WHERE school_id = :s "
            "AND ((person_id = :st AND kind = 'student') "
            "OR (person_id = :g AND kind = 'guardian'))",
            s=school_id,
            st=student_id,
            g=guardian_id,
        )
        == 2
    )
    assert (
        await count(db, "SELECT count(*) FROM guardianships WHERE school_id = :s", s=school_id) == 1
    )


async def test_a_second_child_adds_a_second_link(db: Database, deliver: Deliver) -> None:
    school_id, guardian_id = uuid.uuid4(), uuid.uuid4()
    for _ in range(2):
        await deliver(
            GuardianLinked(school_id=school_id, guardian_id=guardian_id, student_id=uuid.uuid4())
        )
    assert (
        await count(db, "SELECT count(*) FROM guardianships WHERE guardian_id = :g", g=guardian_id)
        == 2
    )


async def test_a_roster_event_without_a_school_is_refused_and_leaves_no_trace(
    db: Database, deliver: Deliver
) -> None:
    event = StudentEnrolled(student_id=uuid.uuid4(), class_id=uuid.uuid4())
    with pytest.raises(ValueError, match="school"):
        await deliver(event)
    assert await count(db, "SELECT count(*) FROM inbox WHERE event_id = :e", e=event.event_id) == 0


DeliverBatch = Callable[[Sequence[Event]], Awaitable[list[CloudEvent]]]


async def test_a_batch_of_a_class_roster_is_applied_once_in_bulk(
    db: Database, deliver_batch: DeliverBatch
) -> None:
    school_id, klass = uuid.uuid4(), uuid.uuid4()
    students = [uuid.uuid4() for _ in range(25)]
    parent = uuid.uuid4()  # of the first two: a family with two children
    events: list[Event] = [
        *(StudentEnrolled(school_id=school_id, student_id=s, class_id=klass) for s in students),
        *(
            GuardianLinked(school_id=school_id, guardian_id=parent, student_id=s)
            for s in students[:2]
        ),
    ]

    with statements(db) as sent:
        await deliver_batch([*events, events[0]])

    assert inserts_into(sent, "roster_people") == 3  # students; guardians and students of links
    assert inserts_into(sent, "guardianships") == 1
    assert (
        await count(db, "SELECT count(*) FROM roster_people WHERE school_id = :s", s=school_id)
        == len(students) + 1
    )
    assert (
        await count(db, "SELECT count(*) FROM guardianships WHERE guardian_id = :g", g=parent) == 2
    )


async def children_in_a_fresh_token(
    client: httpx.AsyncClient, schools: Schools, login: str
) -> set[str]:
    tokens = await schools.login(login)
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    return set(claims["children"])


async def test_an_unlinked_child_is_no_longer_in_the_parents_token(
    db: Database, deliver: Deliver, client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    kept, unlinked = await schools.student(school), await schools.student(school)
    parent = uuid.uuid4()
    for child in (kept, unlinked):
        await deliver(
            GuardianLinked(school_id=school.id, guardian_id=parent, student_id=child, version=1)
        )
    account = await schools.credentials(school, parent, "parent")
    before = await children_in_a_fresh_token(client, schools, account.login)

    event = GuardianUnlinked(
        school_id=school.id, guardian_id=parent, student_id=unlinked, version=2
    )
    await deliver(event)
    await deliver(event)  # again: applied once

    assert before == {str(kept), str(unlinked)}
    assert await children_in_a_fresh_token(client, schools, account.login) == {str(kept)}
    # The guardian stays on the roster (another child, the account) and so does the child.
    assert (
        await count(
            db,
            "SELECT count(*) FROM roster_people WHERE person_id IN (:g, :s)",
            g=parent,
            s=unlinked,
        )
        == 2
    )
    assert await count(db, "SELECT count(*) FROM inbox WHERE event_id = :e", e=event.event_id) == 1


async def test_a_late_link_of_an_older_version_does_not_bring_the_child_back(
    deliver: Deliver, client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    child = await schools.student(school)
    parent = uuid.uuid4()
    await deliver(
        GuardianUnlinked(school_id=school.id, guardian_id=parent, student_id=child, version=2)
    )
    await deliver(
        GuardianLinked(school_id=school.id, guardian_id=parent, student_id=child, version=1)
    )
    account = await schools.credentials(school, parent, "parent")
    after_both = await children_in_a_fresh_token(client, schools, account.login)

    await deliver(
        GuardianLinked(school_id=school.id, guardian_id=parent, student_id=child, version=3)
    )

    assert after_both == set()
    assert await children_in_a_fresh_token(client, schools, account.login) == {
        str(child)
    }  # relinked


async def test_an_unlink_without_a_school_is_refused_and_leaves_no_trace(
    db: Database, deliver: Deliver
) -> None:
    event = GuardianUnlinked(guardian_id=uuid.uuid4(), student_id=uuid.uuid4(), version=2)
    with pytest.raises(ValueError, match="school"):
        await deliver(event)
    assert await count(db, "SELECT count(*) FROM inbox WHERE event_id = :e", e=event.event_id) == 0
