"""`/api/<service>/metrics`: the service's state in Prometheus' text format.

- `http_request_duration_seconds{method,route,status}`: request latency by route template
  (`/api/journal/diary/{student_id}`, never the concrete path, which would name people);
- `outbox_backlog_rows`, `outbox_oldest_unpublished_age_seconds`: what the relay has
  still to publish, and how long the oldest of it has waited;
- `outbox_parked_rows`: rows the relay gave up on (shared.relay), each one an alert;
- `queue_ready_messages{queue}` (consumer lag) and `dead_letters{queue}`, from the
  transport (shared.deadletters.DeadLetterQueues);
- `purged_rows_total{table}`: what the purge deleted since the process started.

The numbers about the database and the broker are read when scraped. Each app has a
registry of its own: the embedded mode runs every service in one process. An API served
by several uvicorn workers (`--workers`) keeps its request histogram in prometheus_client's
multiprocess files (PROMETHEUS_MULTIPROC_DIR, made by shared.process for that API), so a
scrape answered by any worker counts the requests of all of them. The endpoint
is not for the public: the gateway does not route `/metrics` (docs/architecture.md).
"""

import logging
import os
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.db import Database
from shared.deadletters import DeadLetterQueues, QueueDepth
from shared.purge import Purge

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client's own variable
UNMATCHED_ROUTE = "unmatched"

_OUTBOX_STATS = text(
    """
    SELECT
        (SELECT count(*) FROM outbox WHERE published_at IS NULL AND parked_at IS NULL),
        (SELECT extract(epoch FROM now() - min(created_at)) FROM outbox
            WHERE published_at IS NULL AND parked_at IS NULL),
        (SELECT count(*) FROM outbox WHERE parked_at IS NOT NULL)
    """
)


@dataclass
class _Snapshot:
    outbox: tuple[int, float, int] | None = None
    queues: dict[str, QueueDepth] = field(default_factory=dict)
    purged: dict[str, int] = field(default_factory=dict)


class ServiceMetrics:
    """One service's metrics: the request histogram, and what `watch` points it at."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Histogram(
            "http_request_duration_seconds",
            "Time from a request's arrival to its response, by route template and status",
            ["method", "route", "status"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self._db: Database | None = None
        self._queues: DeadLetterQueues | None = None
        self._queue_names: tuple[str, ...] = ()
        self._purge: Purge | None = None
        self._snapshot = _Snapshot()
        # What a scrape shows: this process's registry, or, under several workers, every
        # worker's files merged (the histogram's own values are in those files too).
        self.exposed = self.registry
        shared_dir = os.environ.get(MULTIPROCESS_DIR)
        if shared_dir:
            self.exposed = CollectorRegistry()
            MultiProcessCollector(self.exposed, path=shared_dir)  # type: ignore[no-untyped-call]
        self.exposed.register(_SnapshotCollector(self))

    def watch(
        self,
        *,
        db: Database,
        queues: DeadLetterQueues | None = None,
        queue_names: Sequence[str] = (),
        purge: Purge | None = None,
    ) -> None:
        """What the scrape reads: the service's database, its queues, its purge."""
        self._db = db
        self._queues = queues
        self._queue_names = tuple(queue_names)
        self._purge = purge

    async def render(self) -> bytes:
        """Read the current state and format every metric."""
        snapshot = _Snapshot()
        if self._db is not None:
            try:
                async with self._db.engine.connect() as connection:
                    row = (await connection.execute(_OUTBOX_STATS)).one()
                snapshot.outbox = (int(row[0]), float(row[1] or 0.0), int(row[2]))
            except Exception as exc:  # a scrape must answer even while the database is away
                log.warning("metrics: outbox unreadable", extra={"error_type": type(exc).__name__})
        if self._queues is not None:
            for name in self._queue_names:
                try:
                    snapshot.queues[name] = await self._queues.depth(name)
                except Exception as exc:
                    log.warning(
                        "metrics: queue unreadable",
                        extra={"queue": name, "error_type": type(exc).__name__},
                    )
        if self._purge is not None:
            snapshot.purged = dict(self._purge.purged_total)
        self._snapshot = snapshot
        return generate_latest(self.exposed)


class _SnapshotCollector:
    """Turns the last scrape's readings into metric families."""

    def __init__(self, metrics: ServiceMetrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterable[Metric]:
        snapshot = self.metrics._snapshot
        yield GaugeMetricFamily(
            "metrics_outbox_readable",
            "1 if the outbox could be read for this scrape",
            value=0 if snapshot.outbox is None else 1,
        )
        if snapshot.outbox is not None:
            backlog, oldest, parked = snapshot.outbox
            yield GaugeMetricFamily(
                "outbox_backlog_rows", "Outbox rows not yet published (parked excluded)", backlog
            )
            yield GaugeMetricFamily(
                "outbox_oldest_unpublished_age_seconds",
                "Age of the oldest outbox row not yet published (0 when none)",
                oldest,
            )
            yield GaugeMetricFamily(
                "outbox_parked_rows", "Outbox rows the relay gave up on (see the logs)", parked
            )
        ready = GaugeMetricFamily(
            "queue_ready_messages", "Messages waiting in the queue (consumer lag)", labels=["queue"]
        )
        dead = GaugeMetricFamily("dead_letters", "Messages in the dead letters", labels=["queue"])
        for name, depth in snapshot.queues.items():
            ready.add_metric([name], depth.ready)
            dead.add_metric([name], depth.dead_letters)
        yield ready
        yield dead
        purged = CounterMetricFamily(
            "purged_rows", "Rows deleted by the purge since the start", labels=["table"]
        )
        for table, count in snapshot.purged.items():
            purged.add_metric([table], count)
        yield purged


class RequestMetricsMiddleware:
    """Observes every request's latency under its route template and status."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.histogram = metrics.requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            self.histogram.labels(scope["method"], route_template(scope), str(status)).observe(
                time.perf_counter() - started
            )


_PARAMETER = re.compile(r"{(\w+)(?::[^}]*)?}")


def route_template(scope: Scope) -> str:
    """The matched route's template with the prefixes it was included under, e.g.
    `/api/journal/diary/{student_id}`: a small label set, free of ids.

    FastAPI leaves the matched route in the scope, but a route of an included router
    knows only its own part of the path; the prefixes are what precedes that part,
    with the parameters filled in, in the concrete path.
    """
    route = scope.get("route")
    template = getattr(route, "path", None)
    if not isinstance(template, str):
        return UNMATCHED_ROUTE
    params = scope.get("path_params") or {}
    try:
        concrete = _PARAMETER.sub(lambda m: str(params[m[1]]), template)
    except KeyError:
        return template
    path: str = scope["path"]
    if not path.endswith(concrete):
        return template
    return path[: len(path) - len(concrete)] + template
