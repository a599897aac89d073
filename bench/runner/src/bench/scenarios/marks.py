"""Posting marks, one mark per request through journal's HTTP API, against raw asyncpg
inserting and committing the same rows (the mark, its history row, its outbox event)."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bench.figures import Figure, Profile
from bench.scenarios.common import Ceiling, rate_against_ceilings
from bench.stage import Stage
from datagen.school import WORK_TYPES, GeneratedSchool, Lesson, Student
from shared.contracts.journal import MarkPosted
from shared.outbox import staged


@dataclass(frozen=True)
class Desk:
    """A teacher at work: their token, and the lessons and pupils they can mark."""

    token: str
    teacher_id: uuid.UUID
    lessons: list[tuple[Lesson, list[Student]]]


async def desks(stage: Stage, count: int) -> list[Desk]:
    school = stage.school
    work: dict[uuid.UUID, list[tuple[Lesson, list[Student]]]] = {}
    for lesson in school.lessons:
        a = lesson.assignment
        if a.school_class.grade > 1 and a.subject.curriculum.marked and a.school_class.students:
            work.setdefault(a.teacher.id, []).append((lesson, a.school_class.students))
    teachers = [t for t in school.staff if t.id in work][:count]
    tokens = await stage.logins([t.login for t in teachers])
    return [Desk(tok, t.id, work[t.id]) for tok, t in zip(tokens, teachers, strict=True)]


@dataclass(frozen=True)
class MarkToPost:
    desk: Desk
    lesson: Lesson
    student: Student
    value: int


def marks_to_post(desks: list[Desk]) -> Callable[[int], MarkToPost]:
    """The i-th request's mark: teachers in turn, each through their lessons and pupils."""

    def mark(i: int) -> MarkToPost:
        desk = desks[i % len(desks)]
        j = i // len(desks)
        lesson, students = desk.lessons[(j * 31) % len(desk.lessons)]
        return MarkToPost(desk, lesson, students[(j * 7) % len(students)], 2 + i % 4)

    return mark


async def post_over_http(stage: Stage, item: MarkToPost) -> dict[str, object]:
    async with stage.http.post(
        f"{stage.base_url}/api/journal/lessons/{item.lesson.id}/marks",
        json={"student_id": str(item.student.id), "value": item.value, "work_type": "answer"},
        headers={"Authorization": f"Bearer {item.desk.token}"},
    ) as response:
        body: dict[str, object] = await response.json(content_type=None)
        if response.status != 201:
            raise RuntimeError(f"posting answered {response.status}: {str(body)[:200]}")
        return body


POSTING = "posting"  # Stage.found_rates: the highest mark rate with p99 < 100 ms

INSERT_MARK = """
    INSERT INTO marks (id, school_id, lesson_id, student_id, work_type_id, value, posted_by,
                       posted_at, version)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)
"""
INSERT_HISTORY = """
    INSERT INTO mark_history (id, school_id, mark_id, version, changed_by, changed_at,
                              old_value, new_value, new_work_type_id, reason)
    VALUES ($1, $2, $3, 1, $4, $5, NULL, $6, $7, 'posted')
"""
INSERT_OUTBOX = "INSERT INTO outbox (id, routing_key, envelope) VALUES ($1, $2, $3)"


def posted_event(school: GeneratedSchool, item: MarkToPost, mark_id: uuid.UUID) -> MarkPosted:
    a = item.lesson.assignment
    return MarkPosted(
        school_id=school.id,
        mark_id=mark_id,
        lesson_id=item.lesson.id,
        lesson_date=item.lesson.date,
        student_id=item.student.id,
        class_id=a.school_class.id,
        subject_id=a.subject.id,
        subject_name=a.subject.name,
        teacher_id=a.teacher.id,
        value=item.value,
        work_type="answer",
        weight=WORK_TYPES["answer"].weight,
        work_type_name=WORK_TYPES["answer"].name,
    )


async def run(stage: Stage, profile: Profile) -> list[Figure]:
    school = stage.school
    mark = marks_to_post(await desks(stage, 20))
    pool = await stage.pool("journal", size=10)
    answer = school.work_type_ids["answer"]

    async def post(i: int) -> None:
        await post_over_http(stage, mark(i))

    async def insert_raw(i: int) -> None:
        item = mark(i)
        mark_id, now = uuid.uuid4(), datetime.now(UTC)
        event = staged(posted_event(school, item, mark_id))
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(
                INSERT_MARK,
                mark_id,
                school.id,
                item.lesson.id,
                item.student.id,
                answer,
                item.value,
                item.desk.teacher_id,
                now,
            )
            await conn.execute(
                INSERT_HISTORY,
                uuid.uuid4(),
                school.id,
                mark_id,
                item.desk.teacher_id,
                now,
                item.value,
                answer,
            )
            await conn.execute(INSERT_OUTBOX, event.id, event.routing_key, event.envelope)

    figures = await rate_against_ceilings(
        stage,
        profile,
        "posting a mark (HTTP via nginx, distributed)",
        ours=("posting marks over HTTP", post),
        ceilings=[
            Ceiling(
                "raw insert+commit",
                "raw asyncpg insert+commit of the same rows",
                insert_raw,
                share=0.6,
            )
        ],
    )
    if figures[0].ours > 0 and POSTING not in stage.found_rates:  # for the lag scenario
        stage.found_rates[POSTING] = figures[0].ours
    return figures
