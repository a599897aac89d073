"""journal applies auth's school and staff facts once, in any order."""

import uuid

from journal_world import count, create_staff, deliver, readable, register_school, rows
from sqlalchemy import text

from journal.consumers import subscriptions
from shared.contracts.auth import SchoolRegistered, StaffAccountCreated
from shared.db import Database
from shared.events import CloudEvent

DEFAULT_WORK_TYPES = [
    {"code": "answer", "name": "Ответ на уроке", "weight": 1},
    {"code": "homework", "name": "Домашняя работа", "weight": 1},
    {"code": "independent", "name": "Самостоятельная работа", "weight": 2},
    {"code": "test", "name": "Проверочная работа", "weight": 2},
    {"code": "control", "name": "Контрольная работа", "weight": 3},
]


async def test_school_registered_creates_the_school_with_the_default_work_types(
    db: Database,
) -> None:
    name = readable("Школа №")
    school_id = await register_school(db, name)

    schools = await rows(
        db, "SELECT name, timezone, version FROM schools WHERE id = :id", id=school_id
    )
    assert schools == [{"name": name, "timezone": "Europe/Moscow", "version": 1}]
    work_types = await rows(
        db,
        "SELECT code, name, weight FROM work_types WHERE school_id = :id ORDER BY weight, code",
        id=school_id,
    )
    assert sorted(work_types, key=lambda w: str(w["code"])) == sorted(
        DEFAULT_WORK_TYPES, key=lambda w: str(w["code"])
    )


async def test_school_registered_delivered_twice_is_applied_once(db: Database) -> None:
    school_id = uuid.uuid4()
    envelope = SchoolRegistered(
        school_id=school_id, name="Школа №1", timezone="Europe/Moscow"
    ).to_cloudevent()
    (subscription,) = subscriptions(db)

    await subscription.handler([envelope])
    await subscription.handler([envelope])

    assert await count(db, "schools", "id = :id", id=school_id) == 1
    assert await count(db, "work_types", "school_id = :id", id=school_id) == 5
    assert await count(db, "inbox", "event_id = :id", id=envelope.id) == 1


async def test_a_new_school_registered_event_keeps_weights_the_school_changed(
    db: Database,
) -> None:
    school_id = await register_school(db)
    async with db.transaction() as session:
        await session.execute(
            text("UPDATE work_types SET weight = 5 WHERE school_id = :id AND code = 'control'"),
            {"id": school_id},
        )

    # The same fact again under a new event id (e.g. auth re-published it).
    await deliver(db, SchoolRegistered(school_id=school_id, name="Школа", timezone="UTC"))

    weights = await rows(
        db, "SELECT weight FROM work_types WHERE school_id = :id AND code = 'control'", id=school_id
    )
    assert weights == [{"weight": 5}]


async def test_staff_created_delivered_twice_is_applied_once(db: Database) -> None:
    school_id = await register_school(db)
    envelope = StaffAccountCreated(
        school_id=school_id,
        account_id=uuid.uuid4(),
        last_name="Иванова",
        first_name="Мария",
        roles=["teacher"],
    ).to_cloudevent()
    (subscription,) = subscriptions(db)

    await subscription.handler([envelope])
    await subscription.handler([envelope])

    staff = await rows(
        db, "SELECT last_name, roles, version FROM staff WHERE school_id = :id", id=school_id
    )
    assert staff == [{"last_name": "Иванова", "roles": ["teacher"], "version": 1}]


async def test_staff_created_before_its_school_is_registered_is_kept(db: Database) -> None:
    school_id = uuid.uuid4()
    account_id = await create_staff(db, school_id, ["teacher"])
    await deliver(db, SchoolRegistered(school_id=school_id, name="Школа", timezone="UTC"))

    assert (
        await count(
            db, "staff", "account_id = :id AND school_id = :school", id=account_id, school=school_id
        )
        == 1
    )
    assert await count(db, "schools", "id = :id", id=school_id) == 1


async def test_an_older_staff_version_never_overwrites_a_newer_one(db: Database) -> None:
    school_id = await register_school(db)
    account_id = uuid.uuid4()
    newer = StaffAccountCreated(
        school_id=school_id,
        version=2,
        account_id=account_id,
        last_name="Новикова",
        first_name="Мария",
        roles=["teacher", "class_teacher"],
    )
    older = StaffAccountCreated(
        school_id=school_id,
        version=1,
        account_id=account_id,
        last_name="Старова",
        first_name="Мария",
        roles=["teacher"],
    )

    await deliver(db, newer)
    await deliver(db, older)

    staff = await rows(
        db, "SELECT last_name, roles, version FROM staff WHERE account_id = :id", id=account_id
    )
    assert staff == [{"last_name": "Новикова", "roles": ["teacher", "class_teacher"], "version": 2}]


async def test_a_batch_registers_its_school_and_keeps_each_staff_members_newest_version(
    db: Database,
) -> None:
    school_id, account_id = uuid.uuid4(), uuid.uuid4()

    def staff(version: int, last_name: str, account: uuid.UUID = account_id) -> CloudEvent:
        return StaffAccountCreated(
            school_id=school_id,
            version=version,
            account_id=account,
            last_name=last_name,
            first_name="Мария",
            roles=["teacher"],
        ).to_cloudevent()

    batch = [
        staff(2, "Новикова"),
        SchoolRegistered(school_id=school_id, name="Школа", timezone="UTC").to_cloudevent(),
        staff(3, "Петрова"),
        staff(1, "Старова"),
        staff(1, "Иванова", uuid.uuid4()),
    ]
    (subscription,) = subscriptions(db)

    await subscription.handler(batch)

    assert await count(db, "schools", "id = :id", id=school_id) == 1
    assert await count(db, "staff", "school_id = :id", id=school_id) == 2
    kept = await rows(
        db, "SELECT last_name, version FROM staff WHERE account_id = :id", id=account_id
    )
    assert kept == [{"last_name": "Петрова", "version": 3}]
