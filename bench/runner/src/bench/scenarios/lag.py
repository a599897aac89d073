"""The pipeline behind a posted mark, over real RabbitMQ:

- the lag from a mark posted to the parent's notification and to the report including
  it, at a share (80 %) of the highest mark rate journal accepts (the posting scenario's
  figure of the same run, else a short search of this scenario's own), with the CPU every
  service process (APIs, relays, consumers) spent per mark meanwhile;
- commit → publish at a fixed rate (200 marks/s): from the mark's outbox row (written by
  the mark's own statement) to the first consumer's inbox row for its event.

Each is set against a bare aio-pika publish (with confirms) to a quorum queue and a
consumer in the same process, at the same rate."""

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

import aio_pika
from hdrh.histogram import HdrHistogram

from bench.cpu import CpuShare, measure
from bench.figures import Figure, Profile
from bench.loadgen import RunResult, find_max_rate, format_run, run_open_loop
from bench.scenarios.common import P99_LIMIT_MS
from bench.scenarios.marks import POSTING, MarkToPost, desks, marks_to_post, post_over_http
from bench.stage import Stage

SETTLE_TIMEOUT = 120.0
LAG_LIMIT_MS = 100.0  # p99 from a posted mark to the notice and to the report
PUBLISH_LIMIT_MS = 50.0  # p99 from a mark's commit to its event's publication
CPU_LIMIT_MS = 10.0  # CPU of all service processes per mark
CONSUMERS = ("messaging", "reporting", "archive")
NOT_SERVICES = {"postgres", "rabbitmq", "nginx", "load generator"}


def lag_histogram() -> HdrHistogram:
    """Microseconds up to an hour: an overloaded pipeline lags by minutes, not by 60 s."""
    return HdrHistogram(1, 3_600_000_000, 3)


def _record(histogram: HdrHistogram, start: datetime, end: datetime) -> None:
    histogram.record_value(max(1, int((end - start).total_seconds() * 1e6)))


def _ms(histogram: HdrHistogram, p: float) -> float:
    return float(histogram.get_value_at_percentile(p)) / 1000.0


Arrivals = dict[uuid.UUID, datetime]


async def _arrivals(stage: Stage, posted: Arrivals) -> tuple[Arrivals, Arrivals]:
    """When each posted mark reached a parent's notifications and reporting's log."""
    messaging, reporting = await stage.pool("messaging"), await stage.pool("reporting")
    since = min(posted.values())
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while True:
        notified = {
            uuid.UUID(row["mark_id"]): row["at"]
            for row in await messaging.fetch(
                """
                SELECT payload->>'mark_id' AS mark_id, min(created_at) AS at
                FROM notifications
                WHERE created_at >= $1 AND recipient_person_id <> student_id
                GROUP BY 1
                """,
                since,
            )
        }
        reported = {
            uuid.UUID(row["subject"].removeprefix("mark/")): row["received_at"]
            for row in await reporting.fetch(
                """
                SELECT subject, received_at FROM event_log
                WHERE received_at >= $1 AND event_type = 'journal.mark.posted.v1'
                """,
                since,
            )
        }
        missing = [m for m in posted if m not in notified or m not in reported]
        if not missing or time.monotonic() > deadline:
            return notified, reported
        # Short, so that the CPU measured until every mark arrived has little idle in it.
        await asyncio.sleep(0.1)


@dataclass(frozen=True)
class Outboxed:
    """A posted mark's event as journal's outbox holds it."""

    event_id: uuid.UUID
    committed: datetime  # the row's created_at: the posting statement's own time
    claimed: datetime | None  # published_at: when the relay's publishing transaction began


async def _outboxed(stage: Stage, posted: Arrivals) -> dict[uuid.UUID, Outboxed]:
    """Each posted mark's outbox row, by mark."""
    journal = await stage.pool("journal")
    rows = await journal.fetch(
        """
        SELECT id, envelope->>'subject' AS subject, created_at, published_at FROM outbox
        WHERE routing_key = 'journal.mark.posted.v1' AND created_at >= $1
        """,
        min(posted.values()) - timedelta(seconds=5),
    )
    return {
        uuid.UUID(r["subject"].removeprefix("mark/")): Outboxed(
            r["id"], r["created_at"], r["published_at"]
        )
        for r in rows
    }


async def _first_received(stage: Stage, event_ids: list[uuid.UUID]) -> Arrivals:
    """When the first consumer (of any service) took each event into its inbox."""
    first: Arrivals = {}
    for service in CONSUMERS:
        pool = await stage.pool(service)
        for row in await pool.fetch(
            "SELECT event_id, min(received_at) AS at FROM inbox "
            "WHERE event_id = ANY($1::uuid[]) GROUP BY 1",
            event_ids,
        ):
            at = first.get(row["event_id"])
            first[row["event_id"]] = row["at"] if at is None else min(at, row["at"])
    return first


@dataclass(frozen=True)
class Bare:
    """The bare round trip at one rate: its latencies and its CPU per message."""

    histogram: HdrHistogram
    cpu_ms: float  # the one process's CPU per message (publishing, confirming, consuming)


async def _bare_round_trip(stage: Stage, profile: Profile, rate: float) -> Bare:
    """Publish (confirmed) to a quorum queue and consume it in the same process."""
    histogram = lag_histogram()
    consumed, expected, all_in = 0, -1, asyncio.Event()
    connection = await aio_pika.connect_robust(stage.amqp_url)
    try:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=100)
        queue = await channel.declare_queue(
            f"bench-round-trip-{uuid.uuid4().hex[:8]}",
            durable=True,
            arguments={"x-queue-type": "quorum"},
        )

        async def consume(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            nonlocal consumed
            sent = float(message.body.decode())
            histogram.record_value(max(1, int((time.time() - sent) * 1_000_000)))
            await message.ack()
            consumed += 1
            if consumed == expected:
                all_in.set()

        await queue.consume(consume)

        async def publish(i: int) -> None:
            await channel.default_exchange.publish(
                aio_pika.Message(
                    str(time.time()).encode(), delivery_mode=aio_pika.DeliveryMode.PERSISTENT
                ),
                routing_key=queue.name,
            )

        cpu_start = time.process_time()
        result = await run_open_loop(publish, rate, profile.lag_duration)
        expected = result.completed
        if consumed >= expected:
            all_in.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_in.wait(), 10.0)
        cpu = time.process_time() - cpu_start
        print(f"bench:   bare aio-pika publish: {format_run(result)}", flush=True)
        await queue.delete(if_unused=False, if_empty=False)
    finally:
        await connection.close()
    return Bare(histogram, 1000.0 * cpu / max(consumed, 1))


@dataclass(frozen=True)
class Posting:
    """Marks posted at one rate for the profile's lag duration, and where they went."""

    rate: float
    result: RunResult
    posted: Arrivals  # mark → posted_at
    notified: Arrivals
    reported: Arrivals
    cpu: CpuShare  # from the first post until every mark arrived (or the timeout)
    service_cpu_ms: float  # CPU of every service process ÷ marks posted

    @property
    def lost(self) -> list[uuid.UUID]:
        return [m for m in self.posted if m not in self.notified or m not in self.reported]

    def lag(self, arrived: Arrivals) -> HdrHistogram:
        histogram = lag_histogram()
        for mark_id, at in self.posted.items():
            if mark_id in arrived:
                _record(histogram, at, arrived[mark_id])
        return histogram

    def describe(self) -> str:
        return (
            f"{len(self.posted)} marks posted (achieved {self.result.achieved_rate:.0f}/s, "
            f"HTTP p99 {self.result.p99_ms:.1f} ms, {self.result.errors} errors); "
            f"{len(self.lost)} not arrived within {SETTLE_TIMEOUT:.0f} s"
        )


async def _post_at(
    stage: Stage, profile: Profile, rate: float, mark: Callable[[int], MarkToPost]
) -> Posting:
    posted: Arrivals = {}

    async def post(i: int) -> None:
        body = await post_over_http(stage, mark(i))
        posted[uuid.UUID(str(body["mark_id"]))] = datetime.fromisoformat(str(body["posted_at"]))

    print(f"bench: lag: posting marks at {rate:.0f}/s for {profile.lag_duration:.0f} s")
    pids = stage.service_pids()
    with measure(pids) as cpu:
        result = await run_open_loop(post, rate, profile.lag_duration)
        if not posted:
            raise RuntimeError(f"no mark was posted at {rate:.0f}/s: {result.error_sample}")
        notified, reported = await _arrivals(stage, posted)
    print(f"bench:   posting: {format_run(result)}", flush=True)
    print(f"bench:   cores used until every mark arrived: {cpu.top(8)}", flush=True)
    services = [name for name in pids if name not in NOT_SERVICES]
    service_cpu_ms = 1000.0 * cpu.seconds(services) / len(posted)
    return Posting(rate, result, posted, notified, reported, cpu, service_cpu_ms)


async def _highest_accepted(
    stage: Stage, profile: Profile, mark: Callable[[int], MarkToPost]
) -> tuple[float, str]:
    """The highest mark rate with HTTP p99 < 100 ms, and where the figure came from."""
    if POSTING in stage.found_rates:
        return stage.found_rates[
            POSTING
        ], "the posting scenario's search in this run (or --accepted-rate)"
    print("bench: lag: a short search of the highest mark rate journal accepts")

    async def post(i: int) -> None:
        await post_over_http(stage, mark(i))

    found = await find_max_rate(
        post,
        p99_limit_ms=P99_LIMIT_MS,
        start_rate=profile.start_rate,
        max_rate=profile.max_rate,
        step_duration=profile.step_duration / 2,
        warmup=profile.warmup / 2,
        precision=0.2,
    )
    for run in found.runs:
        print(f"bench:   {format_run(run)}", flush=True)
    await stage.settle()
    if found.best is None:
        # Even the first step missed: what journal achieved is all it accepts here.
        achieved = max(run.achieved_rate for run in found.runs)
        if achieved <= 0:
            raise RuntimeError("journal accepted no mark at all")
        return achieved, "the lag's own search, where no step met p99 < 100 ms (achieved rate)"
    return found.best.target_rate, "a short search of the lag scenario's own"


def _shifted(mark: Callable[[int], MarkToPost], offset: int, i: int) -> MarkToPost:
    return mark(i + offset)


async def run(stage: Stage, profile: Profile) -> list[Figure]:
    mark = marks_to_post(await desks(stage, 20))
    # Each part marks other lessons and pupils than the scenarios before it.
    highest, source = await _highest_accepted(stage, profile, partial(_shifted, mark, 10**7))
    rate = highest * profile.lag_share
    figures = await _lag(stage, profile, rate, highest, source, partial(_shifted, mark, 2 * 10**7))
    await stage.settle()
    figures += await _commit_to_publish(
        stage, profile, profile.publish_rate, partial(_shifted, mark, 3 * 10**7)
    )
    return figures


async def _lag(
    stage: Stage,
    profile: Profile,
    rate: float,
    highest: float,
    source: str,
    mark: Callable[[int], MarkToPost],
) -> list[Figure]:
    posting = await _post_at(stage, profile, rate, mark)
    bare = await _bare_round_trip(stage, profile, rate)
    judge = profile.name != "smoke"
    complete = not posting.lost and posting.result.errors == 0
    at = f"at {rate:.0f} marks/s = {profile.lag_share:.0%} of the highest accepted {highest:.0f}/s"
    details = (
        f"{posting.describe()}; the highest accepted rate from {source}; "
        f"cores until every mark arrived: {posting.cpu.top(8)}"
    )
    figures = []
    for name, arrived in (
        ("parent's notification", posting.notified),
        ("report", posting.reported),
    ):
        histogram = posting.lag(arrived)
        for p in (50.0, 99.0):
            ours = _ms(histogram, p)
            figures.append(
                Figure(
                    scenario=f"lag, mark posted → {name} {at} (RabbitMQ, distributed)",
                    measure=f"p{p:.0f}",
                    unit="ms",
                    ours=ours,
                    ceiling=_ms(bare.histogram, p),
                    target=f"p99 ≤ {LAG_LIMIT_MS:.0f} ms" if p == 99.0 else "",
                    met=None if not judge or p != 99.0 else (ours <= LAG_LIMIT_MS and complete),
                    details=details,
                )
            )
    per_process = sorted(
        (
            (name, 1000.0 * posting.cpu.seconds([name]) / len(posting.posted))
            for name in stage.service_pids()
        ),
        key=lambda item: -item[1],
    )
    split = ", ".join(f"{name} {ms:.2f}" for name, ms in per_process[:8])
    figures.append(
        Figure(
            scenario=f"pipeline CPU per mark {at} (every service's API, relay and consumer)",
            measure="CPU ms per mark, ceiling: bare aio-pika publish + consume",
            unit="ms",
            ours=posting.service_cpu_ms,
            ceiling=bare.cpu_ms,
            target=f"≤ {CPU_LIMIT_MS:.0f} ms",
            # Refused posts cost journal CPU without a mark: they only make it higher.
            met=None
            if not judge
            else (posting.service_cpu_ms <= CPU_LIMIT_MS and not posting.lost),
            details=f"{details}; CPU ms per mark by process: {split}",
        )
    )
    return figures


async def _commit_to_publish(
    stage: Stage, profile: Profile, rate: float, mark: Callable[[int], MarkToPost]
) -> list[Figure]:
    posting = await _post_at(stage, profile, rate, mark)
    outboxed = await _outboxed(stage, posting.posted)
    first = await _first_received(stage, [o.event_id for o in outboxed.values()])
    to_consumer, to_claim = lag_histogram(), lag_histogram()
    unpublished = 0
    for mark_id in posting.posted:
        row = outboxed.get(mark_id)
        if row is None or row.event_id not in first:
            unpublished += 1
            continue
        _record(to_consumer, row.committed, first[row.event_id])
        if row.claimed is not None:
            _record(to_claim, row.committed, row.claimed)
    bare = await _bare_round_trip(stage, profile, rate)
    judge = profile.name != "smoke"
    details = (
        f"{posting.describe()}; {unpublished} events not received; commit → the relay's "
        f"publishing transaction p50 {_ms(to_claim, 50):.1f} ms, p99 {_ms(to_claim, 99):.1f} "
        f"ms; posted → parent's notification p99 "
        f"{_ms(posting.lag(posting.notified), 99):.1f} ms; cores until every mark arrived: "
        f"{posting.cpu.top(8)}"
    )
    figures = []
    for p in (50.0, 99.0):
        ours = _ms(to_consumer, p)
        figures.append(
            Figure(
                scenario=(
                    f"commit → publish, mark's outbox row → first consumer's inbox at "
                    f"{rate:.0f} marks/s (RabbitMQ, distributed)"
                ),
                measure=f"p{p:.0f}",
                unit="ms",
                ours=ours,
                ceiling=_ms(bare.histogram, p),
                target=f"p99 < {PUBLISH_LIMIT_MS:.0f} ms" if p == 99.0 else "",
                met=None
                if not judge or p != 99.0
                else (ours < PUBLISH_LIMIT_MS and unpublished == 0 and posting.result.errors == 0),
                details=details,
            )
        )
    return figures
