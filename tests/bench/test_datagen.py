"""The data generator: the same seed gives the same school; a school looks like a Russian
school; and it lands in each service's own database as that service would hold it."""

import collections
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from datagen import BENCH_YEAR, generate
from datagen.school import GeneratedSchool, build_school
from embedded.services import SERVICE_NAMES, load
from journal.calendar.rules import Calendar, HolidayDates, PeriodDates, calendar_errors, period_for
from journal.curriculum.rules import weeks_in_year
from shared.db import asyncpg_dsn
from shared.migrations import upgrade
from shared.testing import create_database, drop_database, unique_name, with_database


@pytest.fixture(scope="module")
def school() -> GeneratedSchool:
    return build_school(seed=1, number=1, scale=1.0, year=BENCH_YEAR)


def test_a_seed_always_gives_the_same_school() -> None:
    first = build_school(seed=7, number=1, scale=0.1, year=BENCH_YEAR)
    again = build_school(seed=7, number=1, scale=0.1, year=BENCH_YEAR)
    other_seed = build_school(seed=8, number=1, scale=0.1, year=BENCH_YEAR)

    assert [m.id for m in first.marks] == [m.id for m in again.marks]
    assert [(m.value, m.work_type) for m in first.marks] == [
        (m.value, m.work_type) for m in again.marks
    ]
    assert first.id != other_seed.id
    assert {s.id for s in first.students}.isdisjoint({s.id for s in other_seed.students})


def test_scale_one_is_a_school_of_about_a_thousand(school: GeneratedSchool) -> None:
    assert len(school.classes) == 40
    assert 950 <= len(school.students) <= 1050
    assert 1600 <= len(school.guardians) <= 1850
    assert 60 <= sum("teacher" in m.roles for m in school.staff) <= 80
    assert 36_000 <= len(school.lessons) <= 42_000
    assert 180_000 <= len(school.marks) <= 215_000


def test_seed_one_is_the_school_docs_benchmarks_describes(school: GeneratedSchool) -> None:
    # Exact on purpose: a change that draws random numbers in another order gives another
    # school, and the published figures would no longer be about the data they name.
    assert (len(school.students), len(school.guardians), len(school.marks)) == (
        1_001,
        1_742,
        192_539,
    )


def test_scale_shrinks_the_school_by_classes() -> None:
    small = build_school(seed=1, number=1, scale=0.05, year=BENCH_YEAR)

    assert [c.name for c in small.classes] == ["1А", "2А"]


def test_the_journal_follows_russian_school_practice(school: GeneratedSchool) -> None:
    assert all(1 <= m.value <= 5 for m in school.marks)
    assert not any(m.lesson.assignment.school_class.grade == 1 for m in school.marks)
    assert all(22 <= len(c.students) <= 28 for c in school.classes)
    assert all(s.guardians for s in school.students)
    # Each class has its own class teacher, who teaches in it.
    leads = [c.class_teacher for c in school.classes]
    assert len({t.id for t in leads if t}) == len(school.classes)
    # Lessons only on school days, never in the holidays.
    days = set(school.year.school_days())
    assert {lesson.date for lesson in school.lessons} <= days
    # The year's quarters, halves and holidays are a calendar journal accepts, and every
    # lesson falls in a quarter and a half.
    year = school.year
    calendar = Calendar(
        starts_on=year.first_day,
        ends_on=year.last_day,
        periods=[PeriodDates(k, n, a, b) for k, n, a, b in year.periods()],  # type: ignore[arg-type]
        holidays=[HolidayDates(name, a, b) for name, a, b in year.named_holidays()],
    )
    assert calendar_errors(calendar) == []
    for kind in ("quarter", "half"):
        assert all(period_for(calendar.periods, kind, d) for d in days)
    # Marks are posted after their lesson.
    assert all(m.posted_at > m.lesson.starts_at for m in school.marks)
    # Mostly fours; twos are rare and ones rarer still.
    values = collections.Counter(m.value for m in school.marks)
    assert values[4] == max(values.values())
    assert values[1] < values[2] < values[3]


def test_the_year_has_plans_absences_corrections_and_remarks(school: GeneratedSchool) -> None:
    # Each assignment has a thematic plan of its subject's topics for the year's hours, and
    # every lesson's topic is the plan item it is linked to, taken in the plan's order.
    assert len(school.plans) == len(school.assignments)
    for plan in school.plans:
        grade = plan.assignment.school_class.grade
        assert sum(i.hours for i in plan.items) == plan.assignment.hours * weeks_in_year(grade)
        assert [i.topic for i in plan.items] == list(plan.assignment.subject.curriculum.topics)
    assert all(
        lesson.plan_item and lesson.topic == lesson.plan_item.topic for lesson in school.lessons
    )
    # About one pupil in twenty misses a lesson, mostly ill; nobody absent got a mark there.
    seats = sum(len(lesson.assignment.school_class.students) for lesson in school.lessons)
    assert 0.04 < len(school.attendance) / seats < 0.06
    first_codes = collections.Counter(cell.changes[0].value for cell in school.attendance)
    assert first_codes["Б"] > first_codes["Н"] > first_codes["П"] > first_codes["ОП"] > 0
    marked = {(m.lesson.id, m.student.id) for m in school.marks}
    assert not any((c.lesson.id, c.student.id) in marked for c in school.attendance)
    assert all(c.student in c.lesson.assignment.school_class.students for c in school.attendance)
    # A few cells changed or cleared later, with a reason, within the teacher's lock.
    later = [c for c in school.attendance if len(c.changes) > 1]
    assert 0.02 < len(later) / len(school.attendance) < 0.08
    assert all(c.changes[1].reason and c.changes[1].value != c.changes[0].value for c in later)
    # A few marks corrected (most changed, some removed), within days of being posted.
    corrected = [m for m in school.marks if m.corrections]
    removed = [m for m in corrected if m.removal]
    assert 0.015 < len(corrected) / len(school.marks) < 0.035
    assert 0 < len(removed) < len(corrected) / 2
    for mark in corrected:
        change = mark.corrections[0]
        assert timedelta(days=1) <= change.at - mark.posted_at <= timedelta(days=4)
        assert change.value is None or change.value != mark.value
    # Remarks and praises, by a teacher of the pupil's class, on a day of a lesson.
    kinds = collections.Counter(r.kind for r in school.remarks)
    assert kinds["remark"] > 0 and kinds["praise"] > 0
    teachers = {(a.school_class.id, a.teacher.id) for a in school.assignments}
    assert all((r.school_class.id, r.author.id) in teachers for r in school.remarks)
    assert {r.date for r in school.remarks} <= set(school.year.school_days())


def test_logins_are_unique_across_a_district() -> None:
    schools = [build_school(seed=1, number=n, scale=0.05, year=BENCH_YEAR) for n in (1, 2)]
    logins = [p.login for s in schools for p in [*s.staff, *s.students, *s.guardians]]
    assert all(logins)
    assert len(logins) == len(set(logins))


@pytest.fixture
async def service_databases(pg_admin_url: str) -> AsyncIterator[dict[str, str]]:
    names = {service: unique_name(f"datagen_{service}") for service in SERVICE_NAMES}
    urls = {service: with_database(pg_admin_url, name) for service, name in names.items()}
    for service, name in names.items():
        await create_database(pg_admin_url, name)
        await upgrade(load(service).migrations, urls[service])
    yield urls
    for name in names.values():
        await drop_database(pg_admin_url, name)


async def _count(url: str, sql: str, *args: object) -> int:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return int(await conn.fetchval(sql, *args))
    finally:
        await conn.close()


async def test_a_district_is_written_into_every_services_database(
    service_databases: dict[str, str],
) -> None:
    generated = await generate(
        service_databases, seed=3, scale=0.05, schools=2, password="secret-2026"
    )
    counts = generated.counts
    urls = service_databases

    assert counts["schools"] == 2
    assert await _count(urls["journal"], "SELECT count(*) FROM marks") == counts["marks"]
    # A mark's first version and each correction: a few of the marks were corrected.
    history = await _count(urls["journal"], "SELECT count(*) FROM mark_history")
    assert counts["marks"] < history < 1.1 * counts["marks"]
    assert await _count(urls["journal"], "SELECT count(*) FROM lessons") == counts["lessons"]
    entries = await _count(urls["journal"], "SELECT count(*) FROM timetable_entries")
    assert entries == counts["timetable_entries"] > 0
    homework = "SELECT count(*) FROM lessons WHERE homework IS NOT NULL AND version = 2"
    assert await _count(urls["journal"], homework) == counts["homework"] > 0
    finals = await _count(urls["journal"], "SELECT count(*) FROM final_marks")
    assert finals == counts["final_marks"] > 0
    assert await _count(urls["journal"], "SELECT count(*) FROM academic_years") == 2
    assert await _count(urls["journal"], "SELECT count(*) FROM periods") == 2 * 6
    # A curriculum for every class level a school has, its subjects' hours as generated.
    levels = "SELECT count(DISTINCT (school_id, grade)) FROM classes"
    curriculum = await _count(urls["journal"], "SELECT count(*) FROM curriculum_levels")
    assert curriculum == await _count(urls["journal"], levels) > 0
    not_taught = (
        "SELECT count(*) FROM assignments a JOIN classes c ON c.id = a.class_id"
        " LEFT JOIN curriculum_hours h ON h.subject_id = a.subject_id AND h.grade = c.grade"
        " WHERE h.subject_id IS NULL"
    )
    assert await _count(urls["journal"], not_taught) == 0
    assert await _count(urls["reporting"], "SELECT count(*) FROM marks") == counts["marks"]
    accounts = counts["staff"] + counts["students"] + counts["parents"]
    assert await _count(urls["auth"], "SELECT count(*) FROM accounts") == accounts
    # Every mark's event is in reporting's log and the archive, and every mark was told
    # (posted, or only its correction where both came in one of the consumer's batches).
    for service, table in (("reporting", "event_log"), ("archive", "received_events")):
        assert (
            await _count(
                urls[service],
                f"SELECT count(*) FROM {table} WHERE event_type = 'journal.mark.posted.v1'",
            )
            == counts["marks"]
        )
    notices = await _count(
        urls["messaging"],
        "SELECT count(DISTINCT aggregate) FROM notifications WHERE aggregate LIKE 'mark/%'",
    )
    assert notices == counts["marks"]
    # Nothing waits in an outbox: the events of the generated history count as published,
    # and only the last week's are still there (the services' retention).
    for service in SERVICE_NAMES:
        waiting = "SELECT count(*) FROM outbox WHERE published_at IS NULL"
        assert await _count(urls[service], waiting) == 0
    assert await _count(urls["journal"], "SELECT count(*) FROM outbox") > 0
    # The archive keeps only the journal's events it subscribes to: none of auth's.
    assert (
        await _count(
            urls["archive"], "SELECT count(*) FROM received_events WHERE event_type LIKE 'auth.%'"
        )
        == 0
    )
    # About one pupil in twenty misses a lesson, mostly ill; some cells and marks were
    # corrected later, each version in the history.
    cells = await _count(urls["journal"], "SELECT count(*) FROM attendance")
    assert cells == counts["absences"]
    ill = await _count(urls["journal"], "SELECT count(*) FROM attendance WHERE code = 'Б'")
    assert cells > 0 and ill > cells / 2
    assert await _count(urls["journal"], "SELECT count(*) FROM attendance_history") > cells
    assert await _count(urls["journal"], "SELECT count(*) FROM marks WHERE version > 1") > 0
    assert await _count(urls["journal"], "SELECT count(*) FROM thematic_plans") == await _count(
        urls["journal"], "SELECT count(*) FROM assignments"
    )

    # The projection's averages are the journal's: same marks, same weights.
    first = generated.first
    journal_sum = await _count(
        urls["journal"],
        "SELECT sum(m.value * w.weight) FROM marks m JOIN work_types w ON w.id = m.work_type_id"
        " WHERE m.school_id = $1 AND m.removed_at IS NULL",
        first.id,
    )
    reporting_sum = await _count(
        urls["reporting"],
        "SELECT sum(value * weight) FROM marks WHERE school_id = $1 AND NOT deleted",
        first.id,
    )
    assert journal_sum == reporting_sum
    assert isinstance(first.id, uuid.UUID)


def test_the_command_line_fills_migrated_databases_named_by_the_environment(
    service_databases: dict[str, str],
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
    env |= {f"{s.upper()}_DATABASE_URL": url for s, url in service_databases.items()}
    env["SCHOOL_PASSWORD"] = "secret-2026"
    command = [sys.executable, "-m", "datagen", "--scale", "0.05", "--first", "7"]

    refused = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    done = subprocess.run(
        [*command, "--password-env", "SCHOOL_PASSWORD"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert refused.returncode == 2  # no --password-env: nothing written
    assert done.returncode == 0, done.stderr
    assert "'schools': 1" in done.stdout


def test_a_school_as_it_stands_at_a_moment_holds_nothing_after_it() -> None:
    # Wednesday 26 November 2025, 12:00 in Moscow: the third lesson has just begun.
    moment = datetime(2025, 11, 26, 9, 0, tzinfo=UTC)

    school = build_school(seed=1, number=1, scale=0.1, year=BENCH_YEAR, until=moment)

    assert school.lessons and school.marks
    assert max(lesson.starts_at for lesson in school.lessons) <= moment - timedelta(minutes=10)
    assert max(mark.posted_at for mark in school.marks) <= moment
    assert any(lesson.date == moment.date() for lesson in school.lessons)
    assert all(m.posted_at > m.lesson.starts_at for m in school.marks)
