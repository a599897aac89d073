"""Where the machine's CPU went while a scenario ran: per service process, nginx,
PostgreSQL, RabbitMQ and the load generator itself (from /proc, Linux only)."""

import os
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
# Processes known by their command name; the services are known by their pids.
BY_COMMAND = {"postgres": "postgres", "beam.smp": "rabbitmq", "nginx": "nginx"}


def _cpu_seconds(stat: str) -> float:
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def _parent(stat: str) -> int:
    return int(stat[stat.rindex(")") + 2 :].split()[1])


def snapshot(services: Mapping[str, int]) -> dict[int, tuple[str, float]]:
    """CPU seconds used so far by each process of interest, with its group (a service's
    workers belong to the service)."""
    stats: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stats[int(entry.name)] = (entry / "stat").read_text()
            except OSError:
                continue
    owner = {pid: name for name, pid in services.items()}
    owner[os.getpid()] = "load generator"
    found: dict[int, tuple[str, float]] = {}
    for pid, stat in stats.items():
        group = owner.get(pid) or owner.get(_parent(stat))
        if group is None:
            command = stat[stat.index("(") + 1 : stat.rindex(")")]
            group = BY_COMMAND.get(command)
        if group is not None:
            found[pid] = (group, _cpu_seconds(stat))
    return found


@dataclass
class CpuShare:
    """Cores used on average by each group over a measured stretch."""

    cores: dict[str, float] = field(default_factory=dict)
    elapsed: float = 0.0  # seconds the stretch lasted

    def seconds(self, groups: Iterable[str]) -> float:
        """CPU seconds these groups used together over the stretch."""
        return sum(self.cores.get(group, 0.0) for group in set(groups)) * self.elapsed

    def top(self, n: int = 6) -> str:
        ranked = sorted(self.cores.items(), key=lambda kv: -kv[1])[:n]
        return ", ".join(f"{name} {cores:.2f}" for name, cores in ranked)


@contextmanager
def measure(services: Mapping[str, int]) -> Iterator[CpuShare]:
    """Measure the cores each group used during the `with` block."""
    share = CpuShare()
    before, started = snapshot(services), time.monotonic()
    yield share
    after, elapsed = snapshot(services), time.monotonic() - started
    # Per process, so that one that ended meanwhile (a closed connection's backend) does
    # not subtract its whole life from its group; what it used in the window is lost.
    cores: dict[str, float] = {}
    for pid, (group, seconds) in after.items():
        used = seconds - before.get(pid, (group, 0.0))[1]
        if used > 0:
            cores[group] = cores.get(group, 0.0) + used / elapsed
    share.cores = cores
    share.elapsed = elapsed
