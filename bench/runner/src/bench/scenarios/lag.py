"""Lag from a mark posted to the parent's notification and to the report including it, at a
fixed rate over real RabbitMQ, against a bare aio-pika publish-to-consume round trip."""

import asyncio
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

import aio_pika
from hdrh.histogram import HdrHistogram

from bench.cpu import measure
from bench.figures import Figure, Profile
from bench.loadgen import format_run, run_open_loop
from bench.scenarios.marks import MarkToPost, desks, marks_to_post, post_over_http
from bench.stage import Stage

SETTLE_TIMEOUT = 120.0


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
        await asyncio.sleep(0.5)


async def _published(stage: Stage, posted: Arrivals) -> Arrivals:
    """When journal's relay had each posted mark's event confirmed by the broker."""
    journal = await stage.pool("journal")
    rows = await journal.fetch(
        """
        SELECT envelope->>'subject' AS subject, published_at FROM outbox
        WHERE routing_key = 'journal.mark.posted.v1' AND created_at >= $1
          AND published_at IS NOT NULL
        """,
        # The row's time is its transaction's start, a little before the mark's own.
        min(posted.values()) - timedelta(seconds=5),
    )
    return {uuid.UUID(r["subject"].removeprefix("mark/")): r["published_at"] for r in rows}


async def _bare_round_trip(stage: Stage, profile: Profile, rate: float) -> HdrHistogram:
    """Publish (confirmed) to a quorum queue and consume it in the same process."""
    histogram = lag_histogram()
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
            sent = float(message.body.decode())
            histogram.record_value(max(1, int((time.time() - sent) * 1_000_000)))
            await message.ack()

        await queue.consume(consume)

        async def publish(i: int) -> None:
            await channel.default_exchange.publish(
                aio_pika.Message(
                    str(time.time()).encode(), delivery_mode=aio_pika.DeliveryMode.PERSISTENT
                ),
                routing_key=queue.name,
            )

        result = await run_open_loop(publish, rate, profile.lag_duration)
        print(f"bench:   bare aio-pika publish: {format_run(result)}", flush=True)
        await asyncio.sleep(1.0)
        await queue.delete(if_unused=False, if_empty=False)
    finally:
        await connection.close()
    return histogram


async def run(stage: Stage, profile: Profile) -> list[Figure]:
    mark = marks_to_post(await desks(stage, 20))
    figures: list[Figure] = []
    for n, rate in enumerate(profile.lag_rates):
        # Each rate marks other lessons and pupils than the scenarios before it.
        offset = (n + 1) * 10**7
        figures += await _at_rate(stage, profile, rate, partial(_shifted, mark, offset))
    return figures


def _shifted(mark: Callable[[int], MarkToPost], offset: int, i: int) -> MarkToPost:
    return mark(i + offset)


async def _at_rate(
    stage: Stage, profile: Profile, rate: float, mark: Callable[[int], MarkToPost]
) -> list[Figure]:
    posted: dict[uuid.UUID, datetime] = {}

    async def post(i: int) -> None:
        body = await post_over_http(stage, mark(i))
        posted[uuid.UUID(str(body["mark_id"]))] = datetime.fromisoformat(str(body["posted_at"]))

    print(f"bench: lag: posting marks at {rate:.0f}/s for {profile.lag_duration:.0f} s")
    with measure(stage.service_pids()) as cpu:
        result = await run_open_loop(post, rate, profile.lag_duration)
    print(f"bench:   posting: {format_run(result)}", flush=True)
    print(f"bench:   cores used while posting: {cpu.top()}", flush=True)
    notified, reported = await _arrivals(stage, posted)
    published = await _published(stage, posted)
    to_parent, to_report, to_broker = lag_histogram(), lag_histogram(), lag_histogram()
    lost = 0
    for mark_id, at in posted.items():
        if mark_id not in notified or mark_id not in reported:
            lost += 1
            continue
        _record(to_parent, at, notified[mark_id])
        _record(to_report, at, reported[mark_id])
        if mark_id in published:
            _record(to_broker, at, published[mark_id])
    bare = await _bare_round_trip(stage, profile, rate)
    smoke = profile.name == "smoke"
    judged = rate >= 500.0  # the target is set at 500 marks/s
    at_rate = f"{rate:.0f} marks/s"
    details = (
        f"{len(posted)} marks posted (achieved {result.achieved_rate:.0f}/s, "
        f"HTTP p99 {result.p99_ms:.1f} ms, {result.errors} errors); "
        f"{lost} not arrived within {SETTLE_TIMEOUT:.0f} s; of the lag, posted → published "
        f"by the relay p50 {_ms(to_broker, 50):.1f} ms, p99 {_ms(to_broker, 99):.1f} ms; "
        f"cores: {cpu.top()}"
    )
    figures = []
    for name, histogram in (("parent's notification", to_parent), ("report", to_report)):
        for p in (50.0, 99.0):
            ours = _ms(histogram, p)
            figures.append(
                Figure(
                    scenario=f"lag, mark posted → {name} at {at_rate} (RabbitMQ, distributed)",
                    measure=f"p{p:.0f}",
                    unit="ms",
                    ours=ours,
                    ceiling=_ms(bare, p),
                    target="p99 ≤ 100 ms" if p == 99.0 and judged else "",
                    met=None
                    if smoke or p != 99.0 or not judged
                    else (ours <= 100.0 and lost == 0 and result.errors == 0),
                    details=details,
                )
            )
    return figures
