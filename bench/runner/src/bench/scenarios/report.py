"""The whole school's class-and-subject averages over its year of marks, through
reporting's HTTP API, cold and warm, against one hand-written SQL aggregate."""

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from functools import partial

import asyncpg

from bench.figures import Figure, Profile
from bench.stage import Stage
from shared.db import asyncpg_dsn

# The same rule as the service's: a mark weighs what its work type weighs now (the weight
# at posting only while the work type is unknown to reporting).
HAND_WRITTEN = """
    SELECT marks.class_id, marks.subject_id,
           sum(marks.value * coalesce(work_types.weight, marks.weight)),
           sum(coalesce(work_types.weight, marks.weight)), count(*)
    FROM marks
    LEFT OUTER JOIN work_types
        ON work_types.school_id = marks.school_id AND work_types.code = marks.work_type
    WHERE marks.school_id = $1 AND NOT marks.deleted
    GROUP BY marks.class_id, marks.subject_id
"""


async def _timed(action: Callable[[], Awaitable[None]]) -> float:
    started = time.perf_counter()
    await action()
    return (time.perf_counter() - started) * 1000.0


async def run(stage: Stage, profile: Profile) -> list[Figure]:
    school = stage.school
    [token] = await stage.logins([next(m.login for m in school.staff if "director" in m.roles)])
    url = f"{stage.base_url}/api/reporting/class-subject-averages"
    headers = {"Authorization": f"Bearer {token}"}
    dsn = asyncpg_dsn(stage.database_urls["reporting"])

    async def over_http() -> None:
        async with stage.http.get(url, headers=headers) as response:
            body = await response.json()
            if response.status != 200 or not body["items"]:
                raise RuntimeError(f"report answered {response.status}")

    async def by_hand(conn: asyncpg.Connection) -> None:
        rows = await conn.fetch(HAND_WRITTEN, school.id)
        if not rows:
            raise RuntimeError("no marks")

    # Cold: a fresh service process (new pool, nothing prepared or cached in it) against a
    # fresh connection for the raw query. PostgreSQL's buffers stay as they are in both.
    cold_ours, cold_raw = [], []
    for _ in range(profile.cold_repeats):
        await asyncio.to_thread(stage.restart, "reporting")
        cold_ours.append(await _timed(over_http))
        conn = await asyncpg.connect(dsn)
        try:
            cold_raw.append(await _timed(partial(by_hand, conn)))
        finally:
            await conn.close()
    warm_ours = [await _timed(over_http) for _ in range(profile.report_repeats)]
    conn = await asyncpg.connect(dsn)
    try:
        await by_hand(conn)
        warm_raw = [await _timed(partial(by_hand, conn)) for _ in range(profile.report_repeats)]
    finally:
        await conn.close()

    smoke = profile.name == "smoke"
    marks = len(school.marks)
    ours_warm, raw_warm = statistics.median(warm_ours), statistics.median(warm_raw)
    ours_cold, raw_cold = statistics.median(cold_ours), statistics.median(cold_raw)
    return [
        Figure(
            scenario=f"school's class×subject averages over {marks:,} marks (HTTP, distributed)",
            measure="cold, median",
            unit="ms",
            ours=ours_cold,
            ceiling=raw_cold,
            target="≤ 1.5 × SQL",
            met=None if smoke else ours_cold <= 1.5 * raw_cold,
            details=f"{profile.cold_repeats} cold starts of the reporting service",
        ),
        Figure(
            scenario=f"school's class×subject averages over {marks:,} marks (HTTP, distributed)",
            measure="warm, median",
            unit="ms",
            ours=ours_warm,
            ceiling=raw_warm,
            target="≤ 1.5 × SQL, < 300 ms",
            met=None if smoke else (ours_warm <= 1.5 * raw_warm and ours_warm < 300),
            details=(
                f"{profile.report_repeats} requests; ours p max {max(warm_ours):.1f} ms, "
                f"SQL max {max(warm_raw):.1f} ms"
            ),
        ),
    ]
