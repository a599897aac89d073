"""The whole app with its lifespan: auth's events arrive over the bus, journal's own leave
through the outbox relay. (Committed data: runs on the session database.)"""

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import httpx
from calendar_samples import YEAR_2026

from journal.main import create_app
from journal.settings import Settings
from shared.bus import Subscription
from shared.bus.inprocess import InProcessBroker, InProcessBus
from shared.contracts.auth import SchoolRegistered, StaffAccountCreated
from shared.contracts.journal import MarkPosted
from shared.db import Database
from shared.events import CloudEvent
from shared.testing import TokenFactory

T = TypeVar("T")


async def eventually(probe: Callable[[], Awaitable[T | None]], attempts: int = 200) -> T:
    for _ in range(attempts):
        value = await probe()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError("not reached")


async def test_auth_events_come_in_over_the_bus_and_mark_posted_goes_out(
    service_db: Database, tokens: TokenFactory
) -> None:
    broker = InProcessBroker()
    received: list[CloudEvent] = []

    async def listener(envelopes: Sequence[CloudEvent]) -> None:
        received.extend(envelopes)

    # A stand-in for messaging and reporting: a queue bound to journal's events.
    await InProcessBus(broker).start([Subscription("listener", ("journal.#",), listener)])
    app = create_app(
        Settings(database_url=service_db.url, relay_poll_interval=0.05),
        bus=InProcessBus(broker),
        keys=tokens.keys(),
    )
    auth = InProcessBus(broker)
    school_id, deputy, teacher = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    try:
        async with app.router.lifespan_context(app):
            await auth.publish(
                SchoolRegistered(
                    school_id=school_id, name="Школа № 7", timezone="Europe/Moscow"
                ).to_cloudevent()
            )
            for account_id, roles in ((deputy, ["deputy"]), (teacher, ["teacher"])):
                await auth.publish(
                    StaffAccountCreated(
                        school_id=school_id,
                        account_id=account_id,
                        last_name="Орлова",
                        first_name="Вера",
                        roles=roles,
                    ).to_cloudevent()
                )

            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://test/api/journal"
            ) as client:

                def as_(account: uuid.UUID, roles: list[str]) -> dict[str, str]:
                    token = tokens.token(school_id=school_id, roles=roles, account_id=account)
                    return {"Authorization": f"Bearer {token}"}

                async def post(
                    path: str, body: dict[str, object], headers: dict[str, str]
                ) -> dict[str, str]:
                    response = await client.post(path, json=body, headers=headers)
                    return dict(response.json()) if response.status_code == 201 else {}

                dep = as_(deputy, ["deputy"])
                class_id = (await post("/classes", {"name": "9А", "grade": 9}, dep))["class_id"]
                subject_id = (await post("/subjects", {"name": "Физика"}, dep))["subject_id"]
                # The teacher is known once auth's event has been consumed.
                assignment = await eventually(
                    lambda: post(
                        "/assignments",
                        {
                            "teacher_id": str(teacher),
                            "class_id": class_id,
                            "subject_id": subject_id,
                        },
                        dep,
                    )
                )
                student = await post(
                    "/students",
                    {
                        "class_id": class_id,
                        "last_name": "Лебедев",
                        "first_name": "Кирилл",
                        "birth_date": "2011-05-20",
                        # in the class on the lesson's date (marks are checked by it)
                        "starts_on": "2026-09-01",
                    },
                    dep,
                )
                # the lesson's day lies in the school's calendar
                assert await post("/years", YEAR_2026, dep)
                lesson = await post(
                    "/lessons",
                    {
                        "assignment_id": assignment["assignment_id"],
                        "date": "2026-11-27",
                    },
                    as_(teacher, ["teacher"]),
                )
                mark = await post(
                    f"/lessons/{lesson['lesson_id']}/marks",
                    {
                        "student_id": student["student_id"],
                        "value": 5,
                        "work_type": "control",
                    },
                    as_(teacher, ["teacher"]),
                )

            async def mark_posted() -> CloudEvent | None:
                found = [
                    e
                    for e in received
                    if e.type == MarkPosted.routing_key and e.data["mark_id"] == mark["mark_id"]
                ]
                return found[0] if found else None

            envelope = await eventually(mark_posted)
    finally:
        await broker.close()

    event = MarkPosted.from_cloudevent(envelope)
    assert event.school_id == school_id
    assert (event.value, event.work_type, event.weight) == (5, "control", 3)
    assert event.subject_name == "Физика"
    assert {e.type for e in received} >= {
        "journal.class.opened.v1",
        "journal.assignment.made.v1",
        "journal.student.enrolled.v1",
        "journal.mark.posted.v1",
    }
