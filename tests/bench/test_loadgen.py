"""The open-loop load generator measures what it claims to; nothing here times real speed.

The machine running these tests may be loaded, which only ever makes things later: so the
bounds below are lower bounds on latencies the fake targets force, or counts, never speeds.
"""

import asyncio
import time

from bench.loadgen import (
    Action,
    RunResult,
    find_max_rate,
    format_run,
    new_histogram,
    run_open_loop,
)


def recorded(result: RunResult) -> int:
    return int(result.histogram.get_total_count())


async def test_a_run_sends_rate_times_duration_requests_each_with_its_own_index() -> None:
    indices: list[int] = []

    async def action(i: int) -> None:
        indices.append(i)

    result = await run_open_loop(action, rate=200, duration=0.5, first_index=1000)

    assert 99 <= result.sent <= 101
    assert len(indices) == result.sent
    assert len(set(indices)) == len(indices)
    assert min(indices) == 1000
    assert result.next_index == 1000 + result.sent
    assert result.completed == result.sent == recorded(result)
    assert result.errors == 0
    assert result.error_sample is None
    assert result.duration >= 0.49
    assert 0 <= result.client_cpu <= 2


def stalled_target(stall: float, service: float) -> Action:
    """A target that answers in `service` seconds but holds every request until `stall` from now."""
    resumed = asyncio.Event()
    asyncio.get_running_loop().call_later(stall, resumed.set)

    async def action(i: int) -> None:
        await resumed.wait()
        await asyncio.sleep(service)

    return action


async def closed_loop_latencies(action: Action, rate: float, duration: float) -> list[float]:
    """What a naive benchmark measures: send, await the reply, time it from the actual send."""
    latencies = []
    start = time.monotonic()
    for i in range(round(rate * duration)):
        await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
        sent = time.monotonic()
        await action(i)
        latencies.append(time.monotonic() - sent)
    return latencies


async def test_a_stall_is_charged_to_every_request_due_during_it_not_just_the_first() -> None:
    # 40 requests at 100/s; the target holds everything for the first 300 ms, so the 30
    # requests due then wait 300, 290, ... 10 ms before the 1 ms they really take.
    stall, service = 0.3, 0.001

    result = await run_open_loop(stalled_target(stall, service), rate=100, duration=0.4)

    assert result.errors == 0
    # The request due at t=0 waited out the whole stall.
    assert result.max_ms >= 290
    # The median request is one of the stalled ones, far above the target's own 1 ms.
    assert result.p50_ms >= 50

    # A closed loop facing the same stall sends one request, waits 300 ms, then rushes the
    # overdue ones through, each timed from its late send: one slow sample, a 1 ms median.
    closed = sorted(await closed_loop_latencies(stalled_target(stall, service), 100, 0.4))
    closed_p50_ms = closed[len(closed) // 2] * 1000
    assert closed[-1] >= 0.29
    assert sum(latency >= 0.1 for latency in closed) == 1
    assert closed_p50_ms * 4 < result.p50_ms


async def test_a_client_that_falls_behind_still_measures_from_the_due_times() -> None:
    calls = 0

    async def action(i: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            # Blocks the event loop, as a GC pause or a CPU-bound client would.
            time.sleep(0.2)

    result = await run_open_loop(action, rate=100, duration=0.4)

    assert result.completed == result.sent
    # The overdue requests were sent late, all at once, but measured from when they were due.
    assert result.max_send_lag >= 0.15
    assert result.max_ms >= 150
    assert result.saturated_client()
    assert "CLIENT SATURATED" in format_run(result)


async def test_errors_are_counted_sampled_and_kept_out_of_the_histogram() -> None:
    async def action(i: int) -> None:
        if i % 2:
            raise ValueError(f"mark {i} rejected")

    result = await run_open_loop(action, rate=200, duration=0.25)

    assert result.sent == 50
    assert result.errors == 25
    assert result.completed == 25 == recorded(result)
    assert result.error_sample is not None
    assert result.error_sample.startswith("ValueError('mark ")
    assert "25 errors" in format_run(result)


async def test_warmup_requests_run_but_are_not_recorded() -> None:
    indices: list[int] = []

    async def action(i: int) -> None:
        indices.append(i)
        if i < 20:
            raise RuntimeError("cold cache")

    result = await run_open_loop(action, rate=100, duration=0.3, warmup=0.2)

    assert sorted(indices) == list(range(50))
    assert result.next_index == 50
    assert result.sent == 30
    assert result.errors == 0
    assert result.completed == 30 == recorded(result)


async def test_requests_beyond_max_in_flight_are_errors_not_an_unbounded_queue() -> None:
    released = asyncio.Event()
    started: list[int] = []

    async def action(i: int) -> None:
        started.append(i)
        await released.wait()

    asyncio.get_running_loop().call_later(0.3, released.set)
    result = await run_open_loop(action, rate=100, duration=0.2, max_in_flight=5)

    assert len(started) == 5
    assert result.sent == 20
    assert result.completed == 5 == recorded(result)
    assert result.errors == 15
    assert result.error_sample is not None
    assert "client overloaded" in result.error_sample


async def test_requests_still_running_after_the_drain_timeout_are_errors_at_their_time_so_far() -> (
    None
):
    cancelled = 0

    async def action(i: int) -> None:
        nonlocal cancelled
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled += 1
            raise

    result = await run_open_loop(action, rate=100, duration=0.1, drain_timeout=0.2)

    assert cancelled == result.sent == 10
    assert result.errors == result.timed_out == 10
    assert result.completed == 0
    # Recorded as lower bounds, so the tail shows them instead of dropping them.
    assert recorded(result) == 10
    assert result.max_ms >= 190
    assert result.error_sample is not None
    assert "TimeoutError" in result.error_sample


def capacity_limited_target(capacity: float, calls: list[int]) -> Action:
    """A server doing one request at a time, 1/capacity s each: past capacity its queue grows."""
    service = 1 / capacity
    free_at = 0.0

    async def action(i: int) -> None:
        nonlocal free_at
        calls.append(i)
        now = time.monotonic()
        # Bookkeeping in virtual time, so sleep overshoot on a busy machine cannot pile up.
        start = max(now, free_at)
        free_at = start + service
        await asyncio.sleep(free_at - now)

    return action


async def test_the_rate_search_lands_between_a_quarter_of_capacity_and_capacity() -> None:
    capacity = 100.0
    calls: list[int] = []

    search = await find_max_rate(
        capacity_limited_target(capacity, calls),
        p99_limit_ms=60,
        start_rate=30,
        max_rate=1000,
        step_duration=0.4,
        warmup=0.1,
        precision=0.3,
        pause=0.05,
        retries=0,
    )

    # 30/s and 60/s pass, 120/s queues up ~90 ms and fails, 90/s passes and is within 30%.
    # (A coarse precision keeps the steps clear of just above capacity, where a short step
    # cannot yet see the queue growing.)
    assert search.best is not None
    assert capacity / 4 < search.best.target_rate < capacity
    assert search.best.p99_ms <= 60
    assert search.best.errors == 0
    assert search.best in search.runs
    rates = [run.target_rate for run in search.runs]
    assert rates[0] == 30
    assert len(rates) >= 3
    assert len(set(rates)) == len(rates)
    # Far enough past capacity the queue alone breaks the limit, however fast the machine.
    assert all(run.p99_ms > 60 for run in search.runs if run.target_rate >= 1.2 * capacity)
    # Each step continues the indices of the one before.
    assert sorted(calls) == list(range(search.runs[-1].next_index))


async def test_the_rate_search_stops_at_max_rate_when_everything_passes() -> None:
    async def action(i: int) -> None:
        pass

    search = await find_max_rate(
        action,
        p99_limit_ms=1000,
        start_rate=50,
        max_rate=150,
        step_duration=0.1,
        warmup=0,
        pause=0,
    )

    assert [run.target_rate for run in search.runs] == [50, 100, 150]
    assert search.best is search.runs[-1]


async def test_a_failing_step_is_tried_again_before_its_rate_counts_as_failing() -> None:
    hiccups = [RuntimeError("a checkpoint")]

    async def action(i: int) -> None:
        if hiccups:
            raise hiccups.pop()

    search = await find_max_rate(
        action,
        p99_limit_ms=1000,
        start_rate=50,
        max_rate=100,
        step_duration=0.1,
        warmup=0,
        pause=0,
    )

    assert [(run.target_rate, run.errors) for run in search.runs] == [(50, 1), (50, 0), (100, 0)]
    assert search.best is search.runs[-1]


def test_the_log_line_reads_like_a_report() -> None:
    histogram = new_histogram()
    for micros in (3_000, 3_100, 12_400):
        histogram.record_value(micros)
    result = RunResult(
        target_rate=400,
        duration=1.0,
        sent=3,
        completed=3,
        errors=0,
        error_sample=None,
        histogram=histogram,
        client_cpu=0.35,
        max_send_lag=0.001,
        timed_out=0,
        next_index=3,
    )

    assert format_run(result) == (
        "400/s: p50 3.1 ms, p99 12.4 ms, max 12.4 ms, 0 errors, achieved 3/s, client CPU 35%"
    )
