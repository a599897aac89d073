"""The school's quarter report (progress and quality per class and subject, GET
/api/reporting/progress) over its year of data, warm, against one hand-written SQL that
computes the same counts: each student's result (the final mark, else the weighted
average by the school's rule, н/а below the minimum) in the class they were in on the
quarter's last day, counted per class and subject."""

import statistics
import time
from collections.abc import Awaitable, Callable
from functools import partial

import asyncpg

from bench.figures import Figure, Profile
from bench.stage import Stage
from datagen.history import period_id
from shared.db import asyncpg_dsn

HAND_WRITTEN = """
WITH placed AS (
    SELECT DISTINCT ON (student_id) student_id, class_id, kind, "on"
    FROM student_facts
    WHERE school_id = $1 AND ("on" IS NULL OR "on" <= $3)
    ORDER BY student_id, version DESC, (kind = 'transferred') DESC
), roster AS (
    SELECT student_id, class_id FROM placed WHERE kind <> 'left' OR "on" >= $3
), grading AS (
    SELECT coalesce(max(min_marks_per_period), 3) AS min_marks,
           coalesce(max(CASE rounding_rule WHEN 'from_0_60' THEN 0.60
                                           WHEN 'from_0_65' THEN 0.65 ELSE 0.50 END), 0.50)
               AS threshold
    FROM grading WHERE school_id = $1
), sums AS (
    SELECT m.student_id, m.subject_id,
           round(sum(m.value * coalesce(w.weight, m.weight))::numeric
                 / sum(coalesce(w.weight, m.weight)), 2) AS average,
           count(*) AS marks
    FROM marks m
    LEFT JOIN work_types w ON w.school_id = m.school_id AND w.code = m.work_type
    WHERE m.school_id = $1 AND NOT m.deleted AND m.lesson_date BETWEEN $2 AND $3
    GROUP BY m.student_id, m.subject_id
), finals AS (
    SELECT student_id, subject_id, value FROM final_marks
    WHERE school_id = $1 AND NOT deleted AND period_id = $4
), results AS (
    SELECT student_id, subject_id,
           coalesce(finals.value,
                    CASE WHEN sums.marks < grading.min_marks THEN 'н/а'
                         ELSE least(5, floor(sums.average)
                                       + (sums.average - floor(sums.average)
                                          >= grading.threshold)::int)::text END) AS result
    FROM sums FULL JOIN finals USING (student_id, subject_id) CROSS JOIN grading
)
SELECT roster.class_id, results.subject_id,
       count(*) FILTER (WHERE result = '5') AS n5,
       count(*) FILTER (WHERE result = '4') AS n4,
       count(*) FILTER (WHERE result = '3') AS n3,
       count(*) FILTER (WHERE result IN ('2', '1')) AS n2,
       count(*) FILTER (WHERE result = 'н/а') AS n_na,
       count(*) FILTER (WHERE result = 'осв') AS n_exempt
FROM results JOIN roster USING (student_id)
GROUP BY roster.class_id, results.subject_id
"""


async def _timed(action: Callable[[], Awaitable[None]]) -> float:
    started = time.perf_counter()
    await action()
    return (time.perf_counter() - started) * 1000.0


async def run(stage: Stage, profile: Profile) -> list[Figure]:
    school = stage.school
    kind, number, first, last = school.year.periods()[0]
    quarter = period_id(school, kind, number)
    [token] = await stage.logins([next(m.login for m in school.staff if "director" in m.roles)])
    url = f"{stage.base_url}/api/reporting/progress?period_id={quarter}"
    headers = {"Authorization": f"Bearer {token}"}
    dsn = asyncpg_dsn(stage.database_urls["reporting"])

    async def over_http() -> None:
        async with stage.http.get(url, headers=headers) as response:
            body = await response.json()
            if response.status != 200 or not body["groups"]:
                raise RuntimeError(f"the quarter report answered {response.status}")

    async def by_hand(conn: asyncpg.Connection) -> None:
        rows = await conn.fetch(HAND_WRITTEN, school.id, first, last, quarter)
        if not rows:
            raise RuntimeError("no results")

    await over_http()  # warm: the service's pool and statements
    warm_ours = [await _timed(over_http) for _ in range(profile.report_repeats)]
    conn = await asyncpg.connect(dsn)
    try:
        await by_hand(conn)
        warm_raw = [await _timed(partial(by_hand, conn)) for _ in range(profile.report_repeats)]
    finally:
        await conn.close()
    smoke = profile.name == "smoke"
    ours, raw = statistics.median(warm_ours), statistics.median(warm_raw)
    students = len(school.students)
    return [
        Figure(
            scenario=(
                f"school's quarter report, {students:,} students, a year of data"
                " (HTTP, distributed)"
            ),
            measure="warm, median",
            unit="ms",
            ours=ours,
            ceiling=raw,
            target="≤ 1.5 × SQL, < 300 ms",
            met=None if smoke else (ours <= 1.5 * raw and ours < 300),
            details=(
                f"{profile.report_repeats} requests of {kind} {number}; ours max "
                f"{max(warm_ours):.1f} ms, SQL max {max(warm_raw):.1f} ms"
            ),
        )
    ]
