"""Run the benchmarks: `./school bench` (the full table) or `./school bench --smoke`.

Every scenario runs against the distributed mode (each service as its API, relay and
consumer processes, nginx in front, RabbitMQ, PostgreSQL) on freshly generated data, and
prints our figure, the raw ceiling measured in the same run, and their ratio.
"""

import argparse
import asyncio
import json
import os
import platform
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, replace
from pathlib import Path

from bench.figures import FULL, SMOKE, Figure, Profile, markdown_table
from bench.scenarios import (
    diary,
    lag,
    live_feed,
    mail,
    marks,
    page,
    page_save,
    quarter_report,
    report,
    signin,
)
from bench.stage import Stage, stage
from embedded.services import SERVICE_NAMES
from shared.process import PROCESS_KINDS

SCENARIOS: dict[str, Callable[[Stage, Profile], Awaitable[list[Figure]]]] = {
    "diary": diary.run,
    "marks": marks.run,
    "lag": lag.run,
    "live_feed": live_feed.run,
    "report": report.run,
    "quarter_report": quarter_report.run,
    "page": page.run,
    "page_save": page_save.run,
    "mail": mail.run,
    "signin": signin.run,
}


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="./school bench", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny scale, seconds; judges nothing")
    parser.add_argument("--scale", type=float, help="school size (1 = ~1,000 students)")
    parser.add_argument("--schools", type=int, help="schools in the district (default 1)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--only", default=",".join(SCENARIOS), help="comma-separated: " + ", ".join(SCENARIOS)
    )
    parser.add_argument(
        "--workers",
        action="append",
        default=[],
        metavar="SERVICE=N",
        help="uvicorn worker processes of a service's API (default 1 each), e.g. journal=2",
    )
    parser.add_argument(
        "--replicas",
        action="append",
        default=[],
        metavar="SERVICE-KIND=N",
        help="processes of one kind side by side (default 1 each), e.g. reporting-consume=2",
    )
    parser.add_argument(
        "--accepted-rate",
        type=float,
        metavar="MARKS_PER_S",
        help="take this as the highest mark rate journal accepts (the lag scenario offers "
        "80 %% of it) instead of the posting scenario's figure or a search: for comparing "
        "runs at the same rate",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the generated databases")
    return parser.parse_args(argv)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


async def main(argv: list[str]) -> int:
    args = parse(argv)
    profile = SMOKE if args.smoke else FULL
    profile = replace(
        profile,
        scale=args.scale if args.scale is not None else profile.scale,
        schools=args.schools or profile.schools,
    )
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(chosen) - set(SCENARIOS)
    if unknown:
        print(f"bench: unknown scenarios {sorted(unknown)}", file=sys.stderr)
        return 2
    started = time.monotonic()
    figures: list[Figure] = []
    workers = {}
    for item in args.workers:
        service, _, count = item.partition("=")
        if service not in SERVICE_NAMES or not count.isdigit() or int(count) < 1:
            print(f"bench: --workers wants SERVICE=N, got {item!r}", file=sys.stderr)
            return 2
        workers[service] = int(count)
    replicas = {}
    kinds = {f"{service}-{kind}" for service in SERVICE_NAMES for kind in PROCESS_KINDS}
    for item in args.replicas:
        name, _, count = item.partition("=")
        if name not in kinds or not count.isdigit() or int(count) < 1:
            print(f"bench: --replicas wants SERVICE-KIND=N, got {item!r}", file=sys.stderr)
            return 2
        replicas[name] = int(count)
    async with stage(
        scale=profile.scale,
        schools=profile.schools,
        seed=args.seed,
        workers=workers,
        replicas=replicas,
        keep=args.keep,
    ) as on:
        if args.accepted_rate:
            on.found_rates[marks.POSTING] = args.accepted_rate
        for name in chosen:
            await on.settle()
            print(f"bench: scenario {name} ({profile.name} profile)", flush=True)
            figures.extend(await SCENARIOS[name](on, profile))
    print()
    processes = "an API, a relay and a consumer process per service" + "".join(
        [f", {s} API×{n} workers" for s, n in workers.items()]
        + [f", {name}×{n}" for name, n in replicas.items()]
    )
    print(
        f"Machine: {machine()}; profile {profile.name}; {processes}; "
        f"took {time.monotonic() - started:.0f} s"
    )
    print(markdown_table(figures))
    for f in figures:
        if f.details:
            print(f"- {f.scenario}, {f.measure}: {f.details}")
    if args.json:
        args.json.write_text(json.dumps([asdict(f) for f in figures], indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
