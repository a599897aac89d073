"""What the scenarios share: rate searches against ceilings, printing."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bench.cpu import CpuShare, measure
from bench.figures import Figure, Profile
from bench.loadgen import Action, RateSearch, find_max_rate, format_run
from bench.stage import Stage

P99_LIMIT_MS = 100.0


async def search(
    label: str,
    action: Action,
    profile: Profile,
    stage: Stage,
    also: Mapping[str, int] | None = None,
    p99_limit_ms: float = P99_LIMIT_MS,
    start_rate: float | None = None,
) -> tuple[RateSearch, CpuShare]:
    """The highest fixed arrival rate with p99 under 100 ms (or `p99_limit_ms`), printing
    every step, and the cores each process used over the search (what the machine spent
    its time on); `also` names processes of the search's own (a ceiling's server) to
    account for; `start_rate` overrides the profile's (for slow operations)."""
    print(f"bench: {label}: searching the highest rate with p99 < {p99_limit_ms:.0f} ms")
    with measure({**stage.service_pids(), **(also or {})}) as cpu:
        result = await find_max_rate(
            action,
            p99_limit_ms=p99_limit_ms,
            start_rate=min(start_rate, profile.max_rate) if start_rate else profile.start_rate,
            max_rate=profile.max_rate,
            step_duration=profile.step_duration,
            warmup=profile.warmup,
            # each step from a pipeline that has worked off the steps before (a write's
            # events outlive its requests: the backlog of a failed step would load the
            # next); the smoke run judges nothing and keeps short
            between=None if profile.name == "smoke" else stage.settle,
        )
    for run in result.runs:
        print(f"bench:   {format_run(run)}", flush=True)
    print(f"bench:   cores used during the search: {cpu.top()}", flush=True)
    return result, cpu


def best_rate(result: RateSearch) -> float:
    return result.best.target_rate if result.best else 0.0


@dataclass(frozen=True)
class Ceiling:
    """What ours is measured against: the same work done without what ours adds."""

    name: str  # short, for the table's measure column: "raw asyncpg"
    label: str  # what it is, for the log and the details
    action: Action
    share: float  # the target: ours reaches at least this share of the ceiling's rate
    # Processes of the ceiling's own, for the CPU split (a bare server started for it).
    processes: Mapping[str, int] = field(default_factory=dict)


async def rate_against_ceilings(
    stage: Stage,
    profile: Profile,
    scenario: str,
    ours: tuple[str, Action],
    ceilings: Sequence[Ceiling],
    p99_limit_ms: float = P99_LIMIT_MS,
    start_rate: float | None = None,
) -> list[Figure]:
    """Search the highest rate of ours once and of each ceiling; one figure per ceiling,
    ours judged at the ceiling's share."""
    ours_label, ours_action = ours
    found, cpu = await search(
        ours_label, ours_action, profile, stage, p99_limit_ms=p99_limit_ms, start_rate=start_rate
    )
    figures = []
    for ceiling in ceilings:
        if profile.name != "smoke":
            await stage.settle()  # ours' events worked off before the ceiling's search
        raw, raw_cpu = await search(
            ceiling.label,
            ceiling.action,
            profile,
            stage,
            also=ceiling.processes,
            p99_limit_ms=p99_limit_ms,
            start_rate=start_rate,
        )
        ratio = best_rate(found) / best_rate(raw) if best_rate(raw) else 0.0
        figures.append(
            Figure(
                scenario=scenario,
                measure=(f"highest rate with p99 < {p99_limit_ms:.0f} ms, ceiling: {ceiling.name}"),
                unit="req/s",
                ours=best_rate(found),
                ceiling=best_rate(raw),
                target=f"≥ {ceiling.share:g} of ceiling",
                met=None if profile.name == "smoke" else ratio >= ceiling.share,
                details=(
                    f"ours {describe(found)} (cores: {cpu.top()}); {ceiling.label} "
                    f"{describe(raw)} (cores: {raw_cpu.top()})"
                ),
            )
        )
    return figures


def describe(result: RateSearch) -> str:
    if result.best is None:
        return "no rate met the limit"
    best = result.best
    return (
        f"at {best.target_rate:.0f}/s p50 {best.p50_ms:.1f} ms, p99 {best.p99_ms:.1f} ms, "
        f"client CPU {best.client_cpu:.0%}"
    )
