"""Progress letters: the class teacher sends, for a class and a date range, one letter per
student to each of the student's parents, with marks and weighted averages, absences and
remarks of that range from messaging's projections; weekly by schedule (an injected
clock); only the class's class teacher sends, only a parent of the student reads."""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from messaging_events import class_opened
from sqlalchemy import func, select

from messaging.models import Notification
from messaging.notifications.jobs import NotificationJobs
from messaging.notifications.letters import weighted_average
from messaging.notifications.models import LetterBatch, LetterDelivery, ProgressLetter
from messaging.settings import Settings
from shared.contracts.auth import SchoolRegistered
from shared.contracts.journal import (
    AttendanceCleared,
    AttendanceMarked,
    GuardianLinked,
    MarkPosted,
    MarkRemoved,
    RemarkWritten,
    StudentEnrolled,
    WorkTypeChanged,
)
from shared.db import Database
from shared.events import CloudEvent, Event
from shared.testing import TokenFactory

Deliver = Callable[[Event], Awaitable[CloudEvent]]
URL = "/api/messaging/progress-letters"
MAIL = "/api/messaging/mail/messages"
PROBLEM = "application/problem+json"
WEEK = (date(2026, 11, 23), date(2026, 11, 29))
MOSCOW = ZoneInfo("Europe/Moscow")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class ClassWorld:
    school: uuid.UUID
    class_id: uuid.UUID
    teacher: uuid.UUID
    anna: uuid.UUID
    boris: uuid.UUID
    parents: dict[uuid.UUID, list[uuid.UUID]] = field(default_factory=dict)


async def a_class(deliver: Deliver) -> ClassWorld:
    """Anna (two parents) and Boris (one) in 5А, with a week's marks, absences, remarks."""
    school, teacher = uuid.uuid4(), uuid.uuid4()
    opened = class_opened(school, 5, teacher)
    world = ClassWorld(school, opened.class_id, teacher, uuid.uuid4(), uuid.uuid4())
    world.parents = {world.anna: [uuid.uuid4(), uuid.uuid4()], world.boris: [uuid.uuid4()]}
    events: list[Event] = [
        SchoolRegistered(school_id=school, name="Школа", timezone="Europe/Moscow"),
        opened,
        # The school weighs control works 3 now (the marks' events said 2).
        WorkTypeChanged(
            school_id=school,
            work_type_id=uuid.uuid4(),
            code="control",
            name="КР",
            weight=3,
            active=True,
        ),
    ]
    for student, parents in world.parents.items():
        events.append(
            StudentEnrolled(school_id=school, student_id=student, class_id=opened.class_id)
        )
        events += [
            GuardianLinked(school_id=school, guardian_id=p, student_id=student) for p in parents
        ]
    for event in events:
        await deliver(event)
    maths, russian = uuid.uuid4(), uuid.uuid4()

    def mark(
        student: uuid.UUID,
        subject: uuid.UUID,
        name: str,
        day: date,
        value: int,
        work_type: str = "answer",
        weight: int = 1,
    ) -> MarkPosted:
        return MarkPosted(
            school_id=school,
            mark_id=uuid.uuid4(),
            lesson_id=uuid.uuid4(),
            lesson_date=day,
            student_id=student,
            class_id=opened.class_id,
            subject_id=subject,
            subject_name=name,
            teacher_id=uuid.uuid4(),
            value=value,
            work_type=work_type,
            weight=weight,
            work_type_name="Ответ",
        )

    removed = mark(world.anna, maths, "Математика", date(2026, 11, 25), 2)
    for event in [
        mark(world.anna, maths, "Математика", date(2026, 11, 24), 5),
        mark(world.anna, maths, "Математика", date(2026, 11, 26), 3, "control", 2),
        mark(world.anna, russian, "Русский язык", date(2026, 11, 27), 4),
        mark(world.anna, maths, "Математика", date(2026, 11, 20), 2),  # the week before
        removed,
        MarkRemoved(
            **{**removed.model_dump(), "school_id": school, "version": 2, "work_type_name": "Ответ"}
        ),
    ]:
        await deliver(event)
    lesson = uuid.uuid4()
    absences = [
        ("Н", date(2026, 11, 24)),
        ("Б", date(2026, 11, 25)),
        ("Б", date(2026, 11, 26)),
        ("ОП", date(2026, 11, 27)),
    ]
    for code, day in absences:
        await deliver(attendance(school, opened.class_id, world.anna, uuid.uuid4(), day, code))
    cleared = attendance(school, opened.class_id, world.anna, lesson, date(2026, 11, 28), "Н")
    await deliver(cleared)
    await deliver(
        AttendanceCleared(
            **cleared.model_dump(exclude={"code", "old_code"}),
            school_id=school,
            version=2,
            old_code="Н",
        )
    )
    for kind in ("remark", "praise", "praise"):
        await deliver(
            RemarkWritten(
                school_id=school,
                remark_id=uuid.uuid4(),
                student_id=world.anna,
                class_id=opened.class_id,
                author_id=uuid.uuid4(),
                kind=kind,
                on=date(2026, 11, 25),
            )
        )
    return world


def attendance(
    school: uuid.UUID,
    class_id: uuid.UUID,
    student: uuid.UUID,
    lesson: uuid.UUID,
    day: date,
    code: str,
) -> AttendanceMarked:
    return AttendanceMarked.model_validate(
        {
            "school_id": school,
            "lesson_id": lesson,
            "lesson_date": day,
            "student_id": student,
            "class_id": class_id,
            "subject_id": uuid.uuid4(),
            "subject_name": "Физика",
            "teacher_id": uuid.uuid4(),
            "code": code,
        }
    )


def class_teacher(tokens: TokenFactory, world: ClassWorld) -> dict[str, str]:
    return bearer(
        tokens.token(
            school_id=world.school, roles=["teacher", "class_teacher"], account_id=world.teacher
        )
    )


def parent(tokens: TokenFactory, world: ClassWorld, person: uuid.UUID) -> dict[str, str]:
    return bearer(tokens.token(school_id=world.school, roles=["parent"], person_id=person))


def test_the_weighted_average() -> None:
    assert str(weighted_average([(5, 1), (3, 3), (4, 1)])) == "3.60"
    assert str(weighted_average([(5, 1), (4, 2)])) == "4.33"
    assert weighted_average([]) is None


async def test_each_parent_receives_one_letter_summarising_the_range(
    client: httpx.AsyncClient, db: Database, deliver: Deliver, tokens: TokenFactory
) -> None:
    world = await a_class(deliver)

    response = await client.post(
        URL,
        json={
            "class_id": str(world.class_id),
            "from": "2026-11-23",
            "to": "2026-11-29",
            "comment": "Спасибо за работу на неделе!",
        },
        headers=class_teacher(tokens, world),
    )

    assert response.status_code == 201, response.text
    assert response.json()["letters"] == 2
    assert response.json()["deliveries"] == 3
    mother, father = world.parents[world.anna]
    for reader in (mother, father):
        page = (await client.get(URL, headers=parent(tokens, world, reader))).json()
        assert page["total"] == 1
        [letter] = page["items"]
        assert letter["student_id"] == str(world.anna)
        assert letter["subject"] == "Успеваемость за 23.11.2026–29.11.2026"
        assert letter["body"] == (
            "Уважаемые родители!\n\n"
            "Успеваемость вашего ребёнка за 23.11.2026–29.11.2026.\n\n"
            "Отметки:\n"
            "• Математика: 5, 3 (средний балл 3,50)\n"
            "• Русский язык: 4 (средний балл 4,00)\n"
            "Пропущено уроков: 3, опозданий: 1 (Н — 1, Б — 2, ОП — 1).\n"
            "Замечаний учителей: 1, похвал: 2.\n\n"
            "Спасибо за работу на неделе!\n\n"
            "Классный руководитель"
        )
        assert letter["read_at"] is None
    [borises] = (
        await client.get(URL, headers=parent(tokens, world, world.parents[world.boris][0]))
    ).json()["items"]
    assert "Отметок за этот период нет." in borises["body"]
    assert "Пропусков и опозданий нет." in borises["body"]
    async with db.transaction() as session:
        notices = await session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.kind == "progress_letter", Notification.school_id == world.school)
        )
    assert notices == 3  # each parent is told in the feed; the students are not


async def test_each_letter_is_internal_mail_from_the_class_teacher_to_the_parents(
    client: httpx.AsyncClient, deliver: Deliver, tokens: TokenFactory
) -> None:
    world = await a_class(deliver)
    response = await client.post(
        URL,
        json={"class_id": str(world.class_id), "from": "2026-11-23", "to": "2026-11-29"},
        headers=class_teacher(tokens, world),
    )
    assert response.status_code == 201, response.text

    mother, father = world.parents[world.anna]
    threads = set()
    for reader in (mother, father):
        inbox = await client.get(MAIL, headers=parent(tokens, world, reader))
        assert inbox.status_code == 200, inbox.text
        [message] = inbox.json()["items"]
        assert message["subject"] == "Успеваемость за 23.11.2026–29.11.2026"
        assert message["sender"]["id"] == str(world.teacher)
        threads.add(message["thread_id"])
        thread = await client.get(
            f"/api/messaging/mail/threads/{message['thread_id']}",
            headers=parent(tokens, world, reader),
        )
        assert thread.json()["messages"][0]["body"].startswith("Уважаемые родители!")
    assert len(threads) == 1  # Anna's parents share one letter, and may answer it
    [borises] = (
        await client.get(MAIL, headers=parent(tokens, world, world.parents[world.boris][0]))
    ).json()["items"]
    assert borises["thread_id"] not in threads  # another family's letter is its own
    sent = await client.get(MAIL, params={"folder": "sent"}, headers=class_teacher(tokens, world))
    assert sent.json()["total"] == 2  # the class teacher's sent mail holds both letters


async def test_a_parent_reads_their_letter_and_not_another_familys(
    client: httpx.AsyncClient, deliver: Deliver, tokens: TokenFactory
) -> None:
    world = await a_class(deliver)
    await client.post(
        URL,
        json={"class_id": str(world.class_id), "from": "2026-11-23", "to": "2026-11-29"},
        headers=class_teacher(tokens, world),
    )
    mother = parent(tokens, world, world.parents[world.anna][0])
    borises_parent = parent(tokens, world, world.parents[world.boris][0])
    [annas] = (await client.get(URL, headers=mother)).json()["items"]

    assert (await client.get(f"{URL}/{annas['id']}", headers=borises_parent)).status_code == 404
    refused = await client.post(f"{URL}/{annas['id']}/read", headers=borises_parent)
    assert refused.status_code == 404
    assert refused.headers["content-type"] == PROBLEM
    elsewhere = bearer(
        tokens.token(
            school_id=uuid.uuid4(), roles=["parent"], person_id=world.parents[world.anna][0]
        )
    )
    assert (await client.get(f"{URL}/{annas['id']}", headers=elsewhere)).status_code == 404
    assert (await client.post(f"{URL}/{annas['id']}/read", headers=mother)).status_code == 204
    assert (await client.get(f"{URL}/{annas['id']}", headers=mother)).json()["read_at"] is not None
    father = parent(tokens, world, world.parents[world.anna][1])
    assert (await client.get(f"{URL}/{annas['id']}", headers=father)).json()["read_at"] is None
    for roles in (["student"], ["teacher"], ["director"]):
        other = bearer(tokens.token(school_id=world.school, roles=roles, person_id=world.anna))
        assert (await client.get(URL, headers=other)).status_code == 403


async def test_only_the_classs_class_teacher_sends_and_only_once_per_range(
    client: httpx.AsyncClient, db: Database, deliver: Deliver, tokens: TokenFactory
) -> None:
    world = await a_class(deliver)
    body = {"class_id": str(world.class_id), "from": "2026-11-23", "to": "2026-11-29"}
    another_class_teacher = bearer(
        tokens.token(school_id=world.school, roles=["teacher", "class_teacher"])
    )
    plain_teacher = bearer(
        tokens.token(school_id=world.school, roles=["teacher"], account_id=world.teacher)
    )
    other_school = bearer(
        tokens.token(school_id=uuid.uuid4(), roles=["class_teacher"], account_id=world.teacher)
    )

    assert (await client.post(URL, json=body, headers=another_class_teacher)).status_code == 403
    assert (await client.post(URL, json=body, headers=plain_teacher)).status_code == 403
    assert (
        await client.post(URL, json=body, headers=parent(tokens, world, uuid.uuid4()))
    ).status_code == 403
    assert (await client.post(URL, json=body, headers=other_school)).status_code == 404
    unknown = {**body, "class_id": str(uuid.uuid4())}
    assert (
        await client.post(URL, json=unknown, headers=class_teacher(tokens, world))
    ).status_code == 404
    assert await letters_of(db, world) == 0

    assert (
        await client.post(URL, json=body, headers=class_teacher(tokens, world))
    ).status_code == 201
    again = await client.post(URL, json=body, headers=class_teacher(tokens, world))
    assert again.status_code == 409
    assert again.json()["type"] == "urn:school:problem:letters-already-sent"
    assert await letters_of(db, world) == 2


async def letters_of(db: Database, world: ClassWorld) -> int:
    async with db.transaction() as session:
        found = await session.scalar(
            select(func.count())
            .select_from(ProgressLetter)
            .where(ProgressLetter.school_id == world.school)
        )
        return found or 0


@pytest.mark.parametrize(
    "body",
    [
        {"from": "2026-11-23", "to": "2026-11-29"},
        {"class_id": "x", "from": "2026-11-23", "to": "2026-11-29"},
        {"class_id": None, "from": "2026-11-29", "to": "2026-11-23"},
        {"class_id": None, "from": "2026-01-01", "to": "2026-11-23"},
        {"class_id": None, "from": "2026-11-23", "to": "2026-11-31"},
        {"class_id": None, "from": "2026-11-23", "to": "2026-11-29", "comment": "x" * 2001},
        {"class_id": None, "from": "2026-11-23", "to": "2026-11-29", "cc": "all"},
        {"class_id": None, "from": "2026-11-23", "to": "2026-11-29", "comment": "a\u0000b"},
        {"class_id": None, "from": "0001-01-01", "to": "0001-01-02"},
    ],
)
async def test_bad_letter_requests_are_refused_and_send_nothing(
    client: httpx.AsyncClient,
    db: Database,
    deliver: Deliver,
    tokens: TokenFactory,
    body: dict[str, object],
) -> None:
    world = await a_class(deliver)
    if "class_id" in body and body["class_id"] is None:
        body = {**body, "class_id": str(world.class_id)}

    response = await client.post(URL, json=body, headers=class_teacher(tokens, world))

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert await letters_of(db, world) == 0


async def test_weekly_letters_go_on_the_chosen_day_for_the_week_before(
    client: httpx.AsyncClient, db: Database, deliver: Deliver, tokens: TokenFactory
) -> None:
    world = await a_class(deliver)
    schedule = f"{URL}/schedules/{world.class_id}"
    put = await client.put(
        schedule, json={"weekday": 1, "hour": 16}, headers=class_teacher(tokens, world)
    )
    assert put.status_code == 200, put.text
    assert put.json() == {
        "class_id": str(world.class_id),
        "weekday": 1,
        "hour": 16,
        "comment": None,
        "last_sent_on": None,
    }
    jobs = NotificationJobs(db, Settings(database_url=db.url))
    monday = date(2026, 11, 30)

    await jobs.run_once(datetime.combine(monday, time(15, 0), MOSCOW))  # before the hour
    await jobs.run_once(datetime.combine(monday - timedelta(days=1), time(17, 0), MOSCOW))
    assert await letters_of(db, world) == 0
    await jobs.run_once(datetime.combine(monday, time(16, 10), MOSCOW))
    await jobs.run_once(datetime.combine(monday, time(18, 0), MOSCOW))  # once a day

    async with db.transaction() as session:
        [batch] = list(
            await session.scalars(select(LetterBatch).where(LetterBatch.class_id == world.class_id))
        )
        deliveries = await session.scalar(
            select(func.count())
            .select_from(LetterDelivery)
            .where(LetterDelivery.school_id == world.school)
        )
    assert (batch.period_from, batch.period_to, batch.scheduled) == (*WEEK, True)
    assert deliveries == 3
    got = (await client.get(schedule, headers=class_teacher(tokens, world))).json()
    assert got["last_sent_on"] == "2026-11-30"
    assert (await client.delete(schedule, headers=class_teacher(tokens, world))).status_code == 204
    assert (await client.get(schedule, headers=class_teacher(tokens, world))).status_code == 404


async def test_schedules_belong_to_the_classs_class_teacher(
    client: httpx.AsyncClient, deliver: Deliver, tokens: TokenFactory
) -> None:
    world = await a_class(deliver)
    schedule = f"{URL}/schedules/{world.class_id}"
    someone = bearer(tokens.token(school_id=world.school, roles=["class_teacher"]))
    elsewhere = bearer(
        tokens.token(school_id=uuid.uuid4(), roles=["class_teacher"], account_id=world.teacher)
    )

    assert (
        await client.put(schedule, json={"weekday": 1, "hour": 16}, headers=someone)
    ).status_code == 403
    assert (
        await client.put(schedule, json={"weekday": 1, "hour": 16}, headers=elsewhere)
    ).status_code == 404
    assert (await client.get(schedule, headers=someone)).status_code == 403
    assert (await client.delete(schedule, headers=elsewhere)).status_code == 404
    for bad in (
        {"weekday": 0, "hour": 16},
        {"weekday": 1, "hour": 24},
        {"weekday": 1},
        {"weekday": True, "hour": 16},
    ):
        response = await client.put(schedule, json=bad, headers=class_teacher(tokens, world))
        assert response.status_code == 422
    assert (await client.get(schedule, headers=class_teacher(tokens, world))).status_code == 404


SENT = f"{URL}/sent"


async def test_the_class_teacher_and_the_administration_list_the_letters_sent(
    client: httpx.AsyncClient, db: Database, deliver: Deliver, tokens: TokenFactory
) -> None:
    world = await a_class(deliver)
    teacher = class_teacher(tokens, world)
    first = await client.post(
        URL,
        json={
            "class_id": str(world.class_id),
            "from": "2026-11-16",
            "to": "2026-11-22",
            "comment": "Итоги недели",
        },
        headers=teacher,
    )
    assert first.status_code == 201, first.text
    await client.put(
        f"{URL}/schedules/{world.class_id}", json={"weekday": 1, "hour": 16}, headers=teacher
    )
    jobs = NotificationJobs(db, Settings(database_url=db.url))
    await jobs.run_once(datetime.combine(date(2026, 11, 30), time(16, 10), MOSCOW))

    page = await client.get(SENT, headers=teacher)

    assert page.status_code == 200, page.text
    body = page.json()
    assert body["total"] == 2
    asked, weekly = body["items"]  # newest first: the job ran at its own (earlier) instant
    assert (weekly["from"], weekly["to"], weekly["scheduled"]) == ("2026-11-23", "2026-11-29", True)
    assert asked == {
        "batch_id": first.json()["batch_id"],
        "class_id": str(world.class_id),
        "class_name": "5А",
        "from": "2026-11-16",
        "to": "2026-11-22",
        "sent_at": asked["sent_at"],
        "scheduled": False,
        "author_id": str(world.teacher),
        "comment": "Итоги недели",
        "letters": 2,
        "families": 2,
        "deliveries": 3,
    }
    for_class = await client.get(SENT, params={"class_id": str(world.class_id)}, headers=teacher)
    assert for_class.json()["total"] == 2
    paged = await client.get(SENT, params={"limit": 1, "offset": 1}, headers=teacher)
    assert [i["batch_id"] for i in paged.json()["items"]] == [weekly["batch_id"]]
    for role in ("director", "deputy"):
        head = bearer(tokens.token(school_id=world.school, roles=[role]))
        mine = await client.get(SENT, params={"class_id": str(world.class_id)}, headers=head)
        assert mine.status_code == 200
        assert mine.json()["total"] == 2
        assert (await client.get(SENT, headers=head)).json()["total"] == 2  # the whole school's


async def test_the_letters_sent_are_shown_only_to_the_class_teacher_and_the_administration(
    client: httpx.AsyncClient, deliver: Deliver, tokens: TokenFactory
) -> None:
    world = await a_class(deliver)
    await client.post(
        URL,
        json={"class_id": str(world.class_id), "from": "2026-11-23", "to": "2026-11-29"},
        headers=class_teacher(tokens, world),
    )
    of_class = {"class_id": str(world.class_id)}
    another_class_teacher = bearer(
        tokens.token(school_id=world.school, roles=["teacher", "class_teacher"])
    )
    refused = {
        "another class teacher": another_class_teacher,
        "a teacher": bearer(
            tokens.token(school_id=world.school, roles=["teacher"], account_id=world.teacher)
        ),
        "a parent": parent(tokens, world, world.parents[world.anna][0]),
        "a student": bearer(
            tokens.token(school_id=world.school, roles=["student"], person_id=world.anna)
        ),
        "the sysadmin": bearer(tokens.token(school_id=world.school, roles=["sysadmin"])),
    }
    for who, headers in refused.items():
        response = await client.get(SENT, params=of_class, headers=headers)
        assert response.status_code == 403, who
        assert response.headers["content-type"] == PROBLEM
    for who in ("a teacher", "a parent", "a student", "the sysadmin"):
        assert (await client.get(SENT, headers=refused[who])).status_code == 403, who
    # Another class teacher sees none of 5А's without asking for the class.
    assert (await client.get(SENT, headers=another_class_teacher)).json()["total"] == 0
    # Another school's administration, or the class teacher signed in to another school:
    # the class is not theirs to know (404), and their school's list holds nothing of it.
    for roles, account in ((["director"], uuid.uuid4()), (["class_teacher"], world.teacher)):
        elsewhere = bearer(tokens.token(school_id=uuid.uuid4(), roles=roles, account_id=account))
        response = await client.get(SENT, params=of_class, headers=elsewhere)
        assert response.status_code == 404
        assert response.headers["content-type"] == PROBLEM
        assert (await client.get(SENT, headers=elsewhere)).json()["total"] == 0
    unknown = {"class_id": str(uuid.uuid4())}
    assert (
        await client.get(SENT, params=unknown, headers=class_teacher(tokens, world))
    ).status_code == 404
    assert (await client.get(SENT)).status_code == 401


@pytest.mark.parametrize(
    "params",
    [
        {"class_id": "x"},
        {"class_id": ""},
        {"limit": 0},
        {"limit": 101},
        {"offset": -1},
        {"limit": "many"},
    ],
)
async def test_bad_queries_of_the_letters_sent_are_refused(
    client: httpx.AsyncClient, deliver: Deliver, tokens: TokenFactory, params: dict[str, object]
) -> None:
    world = await a_class(deliver)

    response = await client.get(SENT, params=params, headers=class_teacher(tokens, world))

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
