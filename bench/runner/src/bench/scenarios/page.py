"""The teacher's journal page (one assignment's grid over a quarter: ~25 students, the
quarter's lessons, their marks and attendance) read by the assignment's teacher through
journal's HTTP API at a fixed arrival rate, against raw asyncpg running the page's very
seven statements at the same rate.

journal builds the page's JSON in Python from the seven statements' rows; the raw
ceiling runs the statements only (no HTTP, no authentication, no building of the
answer), so the distance is HTTP, the gateway, FastAPI, the token check and the page's
assembly and serialisation."""

import datetime as dt
import uuid
from dataclasses import dataclass

from bench.cpu import measure
from bench.figures import Figure, Profile
from bench.loadgen import Action, RunResult, format_run, run_open_loop
from bench.scenarios.common import P99_LIMIT_MS
from bench.stage import Stage
from datagen.school import Assignment
from journal import clock
from journal.calendar.closing import half_grades
from journal.grading.service import DEFAULT_SETTINGS
from journal.page.service import (
    ATTENDANCE_SQL,
    CONTEXT_SQL,
    LESSONS_SQL,
    MARKS_SQL,
    PLAN_ITEMS_SQL,
    STUDENTS_SQL,
    WORK_TYPES_SQL,
)


@dataclass(frozen=True)
class Period:
    id: uuid.UUID
    number: int
    starts_on: dt.date
    ends_on: dt.date


async def quarters(stage: Stage) -> list[Period]:
    """The generated year's quarters, as journal holds them."""
    pool = await stage.pool("journal")
    rows = await pool.fetch(
        """
        SELECT id, number, starts_on, ends_on FROM periods
        WHERE school_id = $1 AND kind = 'quarter' ORDER BY starts_on
        """,
        stage.school.id,
    )
    if not rows:
        raise RuntimeError("the generated school has no quarters in journal's periods")
    return [Period(r["id"], r["number"], r["starts_on"], r["ends_on"]) for r in rows]


def page_assignments(stage: Stage) -> list[Assignment]:
    """Marked subjects of classes that keep quarters (not halves), biggest classes first,
    each teacher once before any teacher twice."""
    halves = set(half_grades())
    candidates = [
        a
        for a in stage.school.assignments
        if a.subject.curriculum.marked
        and a.school_class.grade > 1  # first-formers get no marks
        and a.school_class.grade not in halves
        and a.school_class.students
    ]
    candidates.sort(key=lambda a: (-len(a.school_class.students), str(a.id)))
    firsts: list[Assignment] = []
    rest: list[Assignment] = []
    seen: set[uuid.UUID] = set()
    for a in candidates:
        (rest if a.teacher.id in seen else firsts).append(a)
        seen.add(a.teacher.id)
    return firsts + rest


@dataclass(frozen=True)
class PageToRead:
    token: str
    assignment_id: uuid.UUID
    period_id: uuid.UUID


async def pages(stage: Stage, teachers: int) -> list[PageToRead]:
    """One assignment for each of `teachers` teachers, logged in through auth, each in
    every quarter."""
    picked = page_assignments(stage)[:teachers]
    tokens = await stage.logins([a.teacher.login for a in picked])
    periods = await quarters(stage)
    return [
        PageToRead(token, a.id, p.id)
        for p in periods
        for token, a in zip(tokens, picked, strict=True)
    ]


def page_url(stage: Stage, assignment_id: uuid.UUID, period_id: uuid.UUID) -> str:
    return f"{stage.base_url}/api/journal/assignments/{assignment_id}/periods/{period_id}/page"


async def _fixed_rate(label: str, action: Action, profile: Profile, stage: Stage) -> RunResult:
    with measure(stage.service_pids()) as cpu:
        result = await run_open_loop(
            action, profile.page_rate, profile.page_duration, warmup=profile.warmup
        )
    print(f"bench: {label}: {format_run(result)}", flush=True)
    print(f"bench:   cores used: {cpu.top()}", flush=True)
    return result


async def run(stage: Stage, profile: Profile) -> list[Figure]:
    todo = await pages(stage, profile.readers)
    school_id = stage.school.id

    async def read_over_http(i: int) -> None:
        page = todo[i % len(todo)]
        async with stage.http.get(
            page_url(stage, page.assignment_id, page.period_id),
            headers={"Authorization": f"Bearer {page.token}"},
        ) as response:
            body = await response.read()
            if response.status != 200:
                raise RuntimeError(f"the page answered {response.status}: {body[:200]!r}")

    pool = await stage.pool("journal", size=10)
    halves = half_grades()

    async def read_raw(i: int) -> None:
        # As journal runs them: no transaction, the context first, then the six reads.
        page = todo[i % len(todo)]
        async with pool.acquire() as conn:
            ctx = await conn.fetchrow(
                CONTEXT_SQL,
                page.assignment_id,
                page.period_id,
                school_id,
                DEFAULT_SETTINGS.lock_after_days,
                clock.now(),
            )
            if ctx is None:
                raise RuntimeError("no such page")
            first, last = ctx["starts_on"], ctx["ends_on"]
            await conn.fetch(STUDENTS_SQL, uuid.UUID(ctx["class_id"]), first, last, school_id)
            await conn.fetch(LESSONS_SQL, page.assignment_id, first, last, halves)
            await conn.fetch(MARKS_SQL, page.assignment_id, first, last)
            await conn.fetch(ATTENDANCE_SQL, page.assignment_id, first, last)
            await conn.fetch(WORK_TYPES_SQL, school_id)
            await conn.fetch(PLAN_ITEMS_SQL, page.assignment_id, uuid.UUID(ctx["year_id"]))

    rate = profile.page_rate
    print(f"bench: the journal page at a fixed {rate:g} pages/s over {len(todo)} pages")
    ours = await _fixed_rate("the page over HTTP", read_over_http, profile, stage)
    raw = await _fixed_rate("raw asyncpg, the page's seven statements", read_raw, profile, stage)
    judged = profile.name != "smoke"
    scenario = f"journal page read at {rate:g} pages/s (HTTP via nginx, distributed)"
    details = (
        f"ours {_describe(ours)}; raw asyncpg (the seven statements, no answer built) "
        f"{_describe(raw)}; {len(todo)} pages ({len(todo) // 4} assignments × 4 quarters)"
    )
    kept_up = ours.errors == 0 and ours.achieved_rate >= 0.95 * rate
    return [
        Figure(scenario, "p50, ceiling: raw asyncpg", "ms", ours.p50_ms, raw.p50_ms, "", None),
        Figure(
            scenario,
            "p99, ceiling: raw asyncpg",
            "ms",
            ours.p99_ms,
            raw.p99_ms,
            f"p99 < {P99_LIMIT_MS:.0f} ms",
            (ours.errors == 0 and ours.p99_ms < P99_LIMIT_MS) if judged else None,
            details,
        ),
        Figure(
            scenario,
            "achieved rate, ceiling: raw asyncpg",
            "pages/s",
            ours.achieved_rate,
            raw.achieved_rate,
            f"≥ {rate:g} pages/s, no errors",
            kept_up if judged else None,
        ),
    ]


def _describe(result: RunResult) -> str:
    return (
        f"p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, max {result.max_ms:.1f} ms, "
        f"achieved {result.achieved_rate:.0f}/s, {result.errors} errors, "
        f"client CPU {result.client_cpu:.0%}"
    )
