"""A lesson saved in bulk from the journal page: 30 new marks and an attendance cell for
every student of the lesson in one POST by the lesson's teacher, through journal's HTTP
API at fixed arrival rates, against raw asyncpg running the save's statements in a
transaction per lesson (the same reads and locks, the same marks, history rows,
attendance cells and the one outbox row of the save's events, `journal.page.saved`).
Each save has a lesson of its own, made beforehand in journal's database as the
generator makes lessons, so no save meets another's cells.

And marks per second through bulk saves against the single-mark posting rate of the
marks scenario in the same run."""

import datetime as dt
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from bench.figures import Figure, Profile
from bench.scenarios import marks
from bench.scenarios.common import Ceiling, best_rate, rate_against_ceilings, search
from bench.scenarios.page import page_assignments, quarters
from bench.stage import Stage
from datagen.school import WORK_TYPES, Assignment, Student
from journal import clock
from journal.attendance.service import CELLS_SQL, MARKED, WRITE_MANY_SQL
from journal.calendar.closing import half_grades
from journal.grading.service import DEFAULT_SETTINGS
from journal.marks.service import POST_MANY_SQL, POSTED
from journal.page.service import SAVE_CONTEXT_SQL, STAGE_SQL
from shared.contracts.journal import AttendanceCode, AttendanceMarked, MarkPosted, PageSaved
from shared.outbox import staged, staged_bundle

MARKS_PER_SAVE = 30
CODES: tuple[AttendanceCode, ...] = ("Н", "Б", "П", "ОП")
# Marks first of ordinary work, then (a class smaller than 30) a second of homework.
MARK_WORK = ("answer", "homework")
# The school's lock period while the scenario runs, so that the teacher may still set
# attendance on lessons of the generated (past) year: the longest the settings allow.
LOCK_AFTER_DAYS = 365


@dataclass(frozen=True)
class LessonToSave:
    token: str
    assignment: Assignment
    period_id: uuid.UUID
    lesson_id: uuid.UUID
    date: dt.date

    @property
    def students(self) -> list[Student]:
        students: list[Student] = self.assignment.school_class.students
        return students


def changes(item: LessonToSave) -> list[dict[str, Any]]:
    """The save's body: 30 marks over the class, then every student's attendance cell."""
    students = item.students
    body: list[dict[str, Any]] = [
        {
            "op": "add_mark",
            "lesson_id": str(item.lesson_id),
            "student_id": str(students[k % len(students)].id),
            "value": 2 + (k * 7) % 4,
            "work_type": MARK_WORK[(k // len(students)) % len(MARK_WORK)],
        }
        for k in range(MARKS_PER_SAVE)
    ]
    body += [
        {
            "op": "set_attendance",
            "lesson_id": str(item.lesson_id),
            "student_id": str(s.id),
            "code": CODES[k % len(CODES)],
            "version": 0,
        }
        for k, s in enumerate(students)
    ]
    return body


async def lengthen_lock(stage: Stage) -> None:
    """Set the school's lock period to LOCK_AFTER_DAYS through the grading settings, as
    the deputy would (the other settings kept)."""
    deputy = next(m for m in stage.school.staff if "deputy" in m.roles)
    token = await stage.login(deputy.login)
    url = f"{stage.base_url}/api/journal/grading-settings"
    headers = {"Authorization": f"Bearer {token}"}
    async with stage.http.get(url, headers=headers) as response:
        current: dict[str, Any] = await response.json()
        if response.status != 200:
            raise RuntimeError(f"grading settings answered {response.status}: {current}")
    current.pop("version", None)
    async with stage.http.put(
        url, json={**current, "lock_after_days": LOCK_AFTER_DAYS}, headers=headers
    ) as response:
        body = await response.read()
        if response.status != 200:
            raise RuntimeError(f"changing grading settings answered {response.status}: {body!r}")


async def fresh_lessons(stage: Stage, count: int, sides: int) -> list[list[LessonToSave]]:
    """`sides` lists of `count` new lessons each (one list per search), in journal's
    database, round robin over the page's assignments, on school days of the quarters
    still inside the lock period (today − LOCK_AFTER_DAYS), so that the teacher may set
    their attendance."""
    school = stage.school
    today = datetime.now(UTC).date()
    oldest = today - dt.timedelta(days=LOCK_AFTER_DAYS - 2)  # a day's margin each side
    periods = [p for p in await quarters(stage) if p.ends_on >= oldest]
    days = [
        (period, day)
        for period in periods
        for day in school.year.school_days()
        if max(period.starts_on, oldest) <= day <= min(period.ends_on, today)
    ]
    if not days:
        raise RuntimeError(
            f"no quarter of the generated year {school.year.start_year} is within "
            f"{LOCK_AFTER_DAYS} days of today: move datagen's BENCH_YEAR on"
        )
    assignments = page_assignments(stage)
    teachers = list({a.teacher.login: a.teacher for a in assignments}.values())
    tokens = dict(
        zip(
            [t.id for t in teachers],
            await stage.logins([t.login for t in teachers]),
            strict=True,
        )
    )
    now = datetime.now(UTC)
    made: list[list[LessonToSave]] = []
    rows = []
    for side in range(sides):
        lessons = []
        for i in range(count):
            a = assignments[i % len(assignments)]
            period, day = days[(i // len(assignments) + side * 7) % len(days)]
            lesson = LessonToSave(tokens[a.teacher.id], a, period.id, uuid.uuid4(), day)
            lessons.append(lesson)
            rows.append(
                (
                    lesson.lesson_id,
                    school.id,
                    a.id,
                    a.school_class.id,
                    a.subject.id,
                    day,
                    "Повторение",
                    a.teacher.id,
                    now,
                )
            )
        made.append(lessons)
    pool = await stage.pool("journal")
    await pool.copy_records_to_table(
        "lessons",
        records=rows,
        columns=(
            "id",
            "school_id",
            "assignment_id",
            "class_id",
            "subject_id",
            "date",
            "topic",
            "created_by",
            "created_at",
        ),
    )
    await pool.execute("ANALYZE lessons")
    return made


def _taken(lessons: list[LessonToSave], i: int) -> LessonToSave:
    if i >= len(lessons):
        raise RuntimeError(f"out of fresh lessons ({len(lessons)} made; raise save_lessons)")
    return lessons[i]


async def run(stage: Stage, profile: Profile) -> list[Figure]:
    school = stage.school
    await lengthen_lock(stage)
    ours_lessons, raw_lessons = await fresh_lessons(stage, profile.save_lessons, sides=2)
    print(
        f"bench: {2 * profile.save_lessons} fresh lessons made over "
        f"{len(page_assignments(stage))} assignments"
    )

    async def save_over_http(i: int) -> None:
        item = _taken(ours_lessons, i)
        url = (
            f"{stage.base_url}/api/journal/assignments/{item.assignment.id}"
            f"/periods/{item.period_id}/page"
        )
        async with stage.http.post(
            url,
            json={"changes": changes(item)},
            headers={"Authorization": f"Bearer {item.token}"},
        ) as response:
            body = await response.read()
            if response.status != 200:
                raise RuntimeError(f"the save answered {response.status}: {body[:300]!r}")

    pool = await stage.pool("journal", size=10)
    work_type_ids = school.work_type_ids
    halves = half_grades()

    async def save_raw(i: int) -> None:
        # The save's statements in its order, in one transaction: the page's context with
        # the lesson and the work types, the cells locked and read, the marks with their
        # history and events in one statement, the cells with theirs in another.
        item = _taken(raw_lessons, i)
        a = item.assignment
        teacher = a.teacher.id
        students = item.students
        now = datetime.now(UTC)
        marks_made = [
            (uuid.uuid4(), students[k % len(students)], MARK_WORK[(k // len(students)) % 2])
            for k in range(MARKS_PER_SAVE)
        ]
        posted = [
            staged(
                MarkPosted(
                    school_id=school.id,
                    version=1,
                    occurred_at=now,
                    mark_id=mark_id,
                    lesson_id=item.lesson_id,
                    lesson_date=item.date,
                    student_id=student.id,
                    class_id=a.school_class.id,
                    subject_id=a.subject.id,
                    subject_name=a.subject.name,
                    teacher_id=teacher,
                    value=2 + (k * 7) % 4,
                    work_type=work,
                    weight=WORK_TYPES[work].weight,
                    work_type_name=WORK_TYPES[work].name,
                )
            )
            for k, (mark_id, student, work) in enumerate(marks_made)
        ]
        cell_lessons = [item.lesson_id] * len(students)
        cell_students = [s.id for s in students]
        codes = [CODES[k % len(CODES)] for k in range(len(students))]
        marked = [
            staged(
                AttendanceMarked(
                    school_id=school.id,
                    version=1,
                    occurred_at=now,
                    lesson_id=item.lesson_id,
                    lesson_date=item.date,
                    student_id=student.id,
                    class_id=a.school_class.id,
                    subject_id=a.subject.id,
                    subject_name=a.subject.name,
                    teacher_id=teacher,
                    code=code,
                    old_code=None,
                )
            )
            for student, code in zip(students, codes, strict=True)
        ]
        async with pool.acquire() as conn, conn.transaction():
            ctx = await conn.fetchrow(
                SAVE_CONTEXT_SQL,
                a.id,
                item.period_id,
                school.id,
                halves,
                [item.lesson_id],
                [],
                list(MARK_WORK),
                list(DEFAULT_SETTINGS.unmarked_grades),
            )
            if ctx is None:
                raise RuntimeError("no such page")
            await conn.fetch(
                CELLS_SQL,
                cell_lessons,
                cell_students,
                school.id,
                DEFAULT_SETTINGS.lock_after_days,
                clock.now(),
            )
            await conn.fetchrow(
                POST_MANY_SQL,
                school.id,
                teacher,
                now,
                POSTED,
                [mark_id for mark_id, _, _ in marks_made],
                [item.lesson_id] * MARKS_PER_SAVE,
                [student.id for _, student, _ in marks_made],
                [work_type_ids[work] for _, _, work in marks_made],
                [2 + (k * 7) % 4 for k in range(MARKS_PER_SAVE)],
                [uuid.uuid4() for _ in marks_made],
            )
            written = await conn.fetch(
                WRITE_MANY_SQL,
                school.id,
                teacher,
                cell_lessons,
                cell_students,
                codes,
                [0] * len(students),
                [now] * len(students),
                [uuid.uuid4() for _ in students],
                [None] * len(students),
                [MARKED] * len(students),
            )
            if len(written) != len(students):
                raise RuntimeError("an attendance cell was not written")
            saved = PageSaved(
                assignment_id=a.id,
                period_id=item.period_id,
                saved_by=teacher,
                school_id=school.id,
                occurred_at=now,
            )
            row = staged_bundle(saved, [*posted, *marked])
            await conn.execute(STAGE_SQL, row.id, row.routing_key, row.envelope)

    # A save writes ~55 rows and as many events: its searches start lower than a mark's.
    rates = replace(profile, start_rate=min(profile.save_start_rate, profile.max_rate))
    figures = await rate_against_ceilings(
        stage,
        rates,
        f"saving a lesson from the journal page: {MARKS_PER_SAVE} marks and every "
        "student's attendance in one POST (HTTP via nginx, distributed)",
        ours=("bulk saves over HTTP", save_over_http),
        ceilings=[
            Ceiling(
                "raw asyncpg",
                "raw asyncpg, the save's statements in a transaction per lesson",
                save_raw,
                share=0.5,
            )
        ],
    )
    single = stage.found_rates.get(marks.POSTING)
    source = "found earlier in this run"
    if single is None:  # run alone (--only page_save): measure the single-mark rate here
        await stage.settle()  # the saves' events worked off first, as between scenarios
        mark = marks.marks_to_post(await marks.desks(stage, 20))

        async def post(i: int) -> None:
            await marks.post_over_http(stage, mark(i))

        found, _ = await search("posting marks over HTTP, one a request", post, profile, stage)
        single = best_rate(found)
        if single > 0:
            stage.found_rates.setdefault(marks.POSTING, single)
        source = "measured by this scenario (the marks scenario did not run)"
    saves = figures[0].ours
    ratio_goal = 10.0
    figures.append(
        Figure(
            scenario="marks per second through bulk saves (HTTP via nginx, distributed)",
            measure="marks/s at the highest save rate with p99 < 100 ms, "
            "ceiling: single-mark posting",
            unit="marks/s",
            ours=saves * MARKS_PER_SAVE,
            ceiling=single,
            target=f"≥ {ratio_goal:g} × single-mark rate",
            met=None
            if profile.name == "smoke"
            else single > 0 and saves * MARKS_PER_SAVE >= ratio_goal * single,
            details=(
                f"{saves:g} saves/s × {MARKS_PER_SAVE} marks (and about 25 attendance cells "
                f"each) against {single:g} single marks/s, {source}"
            ),
        )
    )
    return figures
