"""Messaging's directory of people: built from journal's roster and teaching events and
auth's staff accounts, the same whatever order the events come in and however often."""

import itertools
import uuid
from datetime import date
from typing import Any

import pytest
from mail_testkit import Deliver
from sqlalchemy import text

from shared.contracts.auth import StaffAccountCreated
from shared.contracts.journal import (
    AssignmentMade,
    ClassOpened,
    GuardianLinked,
    GuardianUnlinked,
    StudentEnrolledV2,
    StudentLeft,
    StudentTransferred,
)
from shared.db import Database
from shared.events import Event
from shared.testing import rolled_back

SCHOOL = uuid.uuid4()


async def state(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every directory table's rows (without the school's id), sorted."""
    found = {}
    async with db.transaction() as session:
        for table, columns in (
            ("directory_staff", "account_id, last_name, roles, version"),
            ("directory_classes", "class_id, name, grade, class_teacher_id, version"),
            ("directory_students", "student_id, class_id, version"),
            ("directory_guardianships", "guardian_id, student_id, linked, version"),
            ("directory_assignments", "assignment_id, teacher_id, class_id, version"),
        ):
            rows = await session.execute(
                text(f"SELECT {columns} FROM {table} WHERE school_id = :s"),
                {"s": SCHOOL},
            )
            found[table] = sorted(tuple(row) for row in rows)
    return found


def school_events() -> list[Event]:
    teacher, student, parent = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    class_5a, class_5b = uuid.uuid4(), uuid.uuid4()
    return [
        StaffAccountCreated(
            school_id=SCHOOL,
            account_id=teacher,
            last_name="Иванова",
            first_name="Мария",
            roles=["teacher", "class_teacher"],
        ),
        ClassOpened(
            school_id=SCHOOL, class_id=class_5a, name="5А", grade=5, class_teacher_id=teacher
        ),
        ClassOpened(school_id=SCHOOL, class_id=class_5b, name="5Б", grade=5),
        AssignmentMade(
            school_id=SCHOOL,
            assignment_id=uuid.uuid4(),
            teacher_id=teacher,
            class_id=class_5a,
            subject_id=uuid.uuid4(),
            subject_name="Математика",
        ),
        StudentEnrolledV2(
            school_id=SCHOOL,
            version=1,
            student_id=student,
            class_id=class_5a,
            enrollment_id=uuid.uuid4(),
            starts_on=date(2026, 9, 1),
        ),
        # The transfer publishes the new class's enrollment and the transfer, one version.
        StudentEnrolledV2(
            school_id=SCHOOL,
            version=2,
            student_id=student,
            class_id=class_5b,
            enrollment_id=uuid.uuid4(),
            starts_on=date(2026, 11, 1),
        ),
        StudentTransferred(
            school_id=SCHOOL,
            version=2,
            student_id=student,
            from_class_id=class_5a,
            to_class_id=class_5b,
            enrollment_id=uuid.uuid4(),
            on=date(2026, 11, 1),
        ),
        GuardianLinked(school_id=SCHOOL, version=1, guardian_id=parent, student_id=student),
        GuardianUnlinked(school_id=SCHOOL, version=2, guardian_id=parent, student_id=student),
        GuardianLinked(school_id=SCHOOL, version=3, guardian_id=parent, student_id=student),
    ]


async def test_the_directory_holds_the_newest_state_of_each_person(
    db: Database, deliver: Deliver
) -> None:
    events = school_events()
    for event in events:
        await deliver(event)

    found = await state(db)

    teacher = events[0]
    assert isinstance(teacher, StaffAccountCreated)
    assert found["directory_staff"] == [
        (teacher.account_id, "Иванова", ["teacher", "class_teacher"], 1)
    ]
    [(_, class_id, version)] = found["directory_students"]
    assert (class_id, version) == (events[2].class_id, 2)  # type: ignore[attr-defined]
    [(_, _, linked, link_version)] = found["directory_guardianships"]
    assert (linked, link_version) == (True, 3)


@pytest.mark.parametrize("seed", range(4))
async def test_any_order_and_redelivery_end_in_the_same_directory(
    service_db: Database, deliver: Deliver, seed: int
) -> None:
    events = school_events()
    async with rolled_back(service_db) as in_order:
        from messaging.consumers import subscriptions

        [subscription] = subscriptions(in_order)
        for event in events:
            await subscription.handler([event.to_cloudevent()])
        expected = await state(in_order)

    permutations = list(itertools.permutations(range(len(events))))
    order = permutations[(seed * 7919) % len(permutations)][:: -1 if seed % 2 else 1]
    async with rolled_back(service_db) as shuffled:
        [subscription] = subscriptions(shuffled)
        for index in order:
            await subscription.handler([events[index].to_cloudevent()])
        for event in events[::2]:  # redelivered
            await subscription.handler([event.to_cloudevent()])
        assert await state(shuffled) == expected


async def test_a_late_older_event_changes_nothing(db: Database, deliver: Deliver) -> None:
    student, class_id = uuid.uuid4(), uuid.uuid4()
    await deliver(
        StudentLeft(
            school_id=SCHOOL,
            version=3,
            student_id=student,
            class_id=class_id,
            last_day=date(2026, 12, 1),
        )
    )
    await deliver(
        StudentEnrolledV2(
            school_id=SCHOOL,
            version=1,
            student_id=student,
            class_id=class_id,
            enrollment_id=uuid.uuid4(),
            starts_on=date(2026, 9, 1),
        )
    )

    assert (await state(db))["directory_students"] == [(student, None, 3)]


async def test_a_batch_applies_every_event_type_at_once(db: Database) -> None:
    from messaging.consumers import subscriptions

    [subscription] = subscriptions(db)
    await subscription.handler([event.to_cloudevent() for event in school_events()])

    found = await state(db)
    assert len(found["directory_classes"]) == 2
    assert [row[2:] for row in found["directory_guardianships"]] == [(True, 3)]
