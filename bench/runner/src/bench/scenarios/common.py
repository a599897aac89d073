"""What the scenarios share: compiled SQL for raw runs, rate searches, printing."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from bench.cpu import CpuShare, measure
from bench.figures import Figure, Profile
from bench.loadgen import Action, RateSearch, find_max_rate, format_run
from bench.stage import Stage

P99_LIMIT_MS = 100.0


def raw_sql(statement: ClauseElement) -> tuple[str, list[Any]]:
    """The SQL and arguments SQLAlchemy sends through asyncpg for `statement`: the very
    query the service runs, to run raw."""
    dialect = asyncpg_dialect()  # type: ignore[no-untyped-call]
    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    assert isinstance(compiled, SQLCompiler)
    names: Sequence[str] = compiled.positiontup or []
    return str(compiled), [compiled.params[name] for name in names]


async def search(
    label: str, action: Action, profile: Profile, stage: Stage
) -> tuple[RateSearch, CpuShare]:
    """The highest fixed arrival rate with p99 under 100 ms, printing every step, and the
    cores each process used over the search (what the machine spent its time on)."""
    print(f"bench: {label}: searching the highest rate with p99 < {P99_LIMIT_MS:.0f} ms")
    with measure(stage.service_pids()) as cpu:
        result = await find_max_rate(
            action,
            p99_limit_ms=P99_LIMIT_MS,
            start_rate=profile.start_rate,
            max_rate=profile.max_rate,
            step_duration=profile.step_duration,
            warmup=profile.warmup,
        )
    for run in result.runs:
        print(f"bench:   {format_run(run)}", flush=True)
    print(f"bench:   cores used during the search: {cpu.top()}", flush=True)
    return result, cpu


def best_rate(result: RateSearch) -> float:
    return result.best.target_rate if result.best else 0.0


async def rate_against_ceiling(
    stage: Stage,
    profile: Profile,
    scenario: str,
    ours: tuple[str, Action],
    ceiling: tuple[str, Action],
) -> Figure:
    """Search the highest rate of ours and of its raw ceiling; judge ours at half of it."""
    (ours_label, ours_action), (ceiling_label, ceiling_action) = ours, ceiling
    found, cpu = await search(ours_label, ours_action, profile, stage)
    raw, _ = await search(ceiling_label, ceiling_action, profile, stage)
    ratio = best_rate(found) / best_rate(raw) if best_rate(raw) else 0.0
    return Figure(
        scenario=scenario,
        measure=f"highest rate with p99 < {P99_LIMIT_MS:.0f} ms",
        unit="req/s",
        ours=best_rate(found),
        ceiling=best_rate(raw),
        target="≥ 0.5 of ceiling",
        met=None if profile.name == "smoke" else ratio >= 0.5,
        details=f"ours {describe(found)} (cores: {cpu.top()}); {ceiling_label} {describe(raw)}",
    )


def describe(result: RateSearch) -> str:
    if result.best is None:
        return "no rate met the limit"
    best = result.best
    return (
        f"at {best.target_rate:.0f}/s p50 {best.p50_ms:.1f} ms, p99 {best.p99_ms:.1f} ms, "
        f"client CPU {best.client_cpu:.0%}"
    )
