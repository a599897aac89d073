"""A year sealed in the archive (`archive.year.sealed.v1`): the school's director and
deputies are told in their feed, nobody else and no other school; a redelivery, or the
same version under another event id, tells nobody twice; a muted «reports» hears nothing."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime

import httpx
from sqlalchemy import func, select

from messaging.models import Notification
from messaging.notifications.models import Preferences
from shared.contracts.archive import YearSealed
from shared.contracts.auth import StaffAccountCreated
from shared.db import Database
from shared.events import CloudEvent, Event
from shared.testing import TokenFactory

Deliver = Callable[[Event], Awaitable[CloudEvent]]


def sealed(school: uuid.UUID, year: uuid.UUID | None = None) -> YearSealed:
    return YearSealed(
        school_id=school,
        year_id=year or uuid.uuid4(),
        name="2025/26",
        ends_on=date(2026, 5, 31),
        sealed_at=datetime(2026, 6, 20, 9, 0, tzinfo=UTC),
        class_journals=12,
        files=25,
        manifest_sha256="a" * 64,
        public_key_sha256="b" * 64,
    )


async def staff(deliver: Deliver, school: uuid.UUID, *roles: str) -> uuid.UUID:
    account = uuid.uuid4()
    await deliver(
        StaffAccountCreated(
            school_id=school,
            account_id=account,
            last_name="Иванова",
            first_name="Мария",
            middle_name=None,
            roles=list(roles),
        )
    )
    return account


async def notices(db: Database, school: uuid.UUID) -> dict[uuid.UUID, list[Notification]]:
    async with db.transaction() as session:
        rows = await session.scalars(
            select(Notification).where(
                Notification.school_id == school, Notification.kind == "year_sealed"
            )
        )
        found: dict[uuid.UUID, list[Notification]] = {}
        for notice in rows:
            found.setdefault(notice.recipient_person_id, []).append(notice)
        return found


async def test_the_director_and_deputies_are_told_once_that_the_year_is_sealed(
    client: httpx.AsyncClient, db: Database, deliver: Deliver, tokens: TokenFactory
) -> None:
    school, elsewhere = uuid.uuid4(), uuid.uuid4()
    director = await staff(deliver, school, "director")
    deputy = await staff(deliver, school, "deputy", "teacher")
    teacher = await staff(deliver, school, "teacher", "class_teacher")
    sysadmin = await staff(deliver, school, "sysadmin")
    other_director = await staff(deliver, elsewhere, "director")
    event = sealed(school)

    await deliver(event)
    await deliver(event)  # redelivered
    await deliver(sealed(school, event.year_id))  # the same version under a new event id

    told = await notices(db, school)
    assert set(told) == {director, deputy}
    assert all(len(each) == 1 for each in told.values())
    [notice] = told[director]
    assert notice.text == (
        "Журналы 2025/26 учебного года запечатаны в архиве и подписаны (классных журналов: 12)."
    )
    assert notice.payload["year_id"] == str(event.year_id)
    assert notice.payload["class_journals"] == 12
    assert notice.payload["link"] == f"/archive/years/{event.year_id}"  # the client's screen
    assert notice.student_id is None
    assert teacher not in told and sysadmin not in told
    assert await notices(db, elsewhere) == {}
    assert other_director not in told

    # It is in the director's feed, read through the API like any notice.
    token = tokens.token(school_id=school, roles=["director"], account_id=director)
    page = await client.get(
        "/api/messaging/notifications", headers={"Authorization": f"Bearer {token}"}
    )
    assert page.status_code == 200
    assert [item["kind"] for item in page.json()["items"]] == ["year_sealed"]


async def test_a_muted_reports_category_hears_nothing_of_the_archive(
    db: Database, deliver: Deliver
) -> None:
    school = uuid.uuid4()
    director = await staff(deliver, school, "director")
    deputy = await staff(deliver, school, "deputy")
    async with db.transaction() as session:
        session.add(
            Preferences(
                recipient_id=deputy,
                school_id=school,
                muted=["reports"],
                delivery="immediate",
                digest_hour=18,
                updated_at=datetime.now(UTC),
            )
        )

    await deliver(sealed(school))

    assert set(await notices(db, school)) == {director}
    async with db.transaction() as session:
        total = await session.scalar(
            select(func.count()).select_from(Notification).where(Notification.school_id == school)
        )
    assert total == 1
