"""Open-loop load generation: a fixed arrival rate, latency from each request's intended start.

A closed-loop client (send, wait for the reply, send the next) quietly stops sending while the
target is slow, so a stall shows up as one slow sample instead of all the requests that should
have been sent meanwhile ("coordinated omission"). Here request i is due at t0 + i / rate no
matter how earlier requests fare, and its latency is measured from that due time, so a stall in
the target or in this client's own event loop is charged to every request it delayed.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from hdrh.histogram import HdrHistogram

Action = Callable[[int], Awaitable[None]]
"""The i-th request: awaits its completion and raises on failure."""

# The histogram's range in microseconds: 1 µs to 60 s at 3 significant digits.
LOWEST_US = 1
HIGHEST_US = 60_000_000
SIGNIFICANT_DIGITS = 3

# Beyond these the client, not the target, may be what limits the numbers.
CLIENT_CPU_LIMIT = 0.9
SEND_LAG_LIMIT = 0.010

OVERLOADED = "client overloaded"


def new_histogram() -> HdrHistogram:
    """An empty latency histogram in microseconds."""
    return HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS)


@dataclass(frozen=True)
class RunResult:
    """What one fixed-rate run measured (the warmup excluded)."""

    target_rate: float
    """Requests per second asked for."""
    duration: float
    """Seconds from the first measured request's due time until the last measured request
    settled; at least the scheduled window."""
    sent: int
    """Measured requests due in the window, including those refused as client overload."""
    completed: int
    """Measured requests that finished without an exception."""
    errors: int
    """Measured requests that raised, were refused as client overload, or timed out."""
    error_sample: str | None
    """repr of the first error, for the report."""
    histogram: HdrHistogram
    """Latency in µs from due time to completion: completed requests, plus timed-out ones
    at their time so far (a lower bound, so that dropping them cannot hide the tail)."""
    client_cpu: float
    """Fraction of one core this process used during the run (threads can push it over 1)."""
    max_send_lag: float
    """Seconds: the worst delay between a request's due time and its actual start."""
    timed_out: int
    """Measured requests still running after the drain timeout (also counted in errors)."""
    next_index: int
    """The first request index this run did not use, for the next run's first_index."""

    @property
    def achieved_rate(self) -> float:
        """Completed requests per second of the measured window."""
        return self.completed / self.duration if self.duration > 0 else 0.0

    @property
    def error_rate(self) -> float:
        """Errors as a fraction of sent requests."""
        return self.errors / self.sent if self.sent else 0.0

    def percentile_ms(self, p: float) -> float:
        """The latency at percentile p (0-100) in milliseconds; 0 when nothing was recorded."""
        return float(self.histogram.get_value_at_percentile(p)) / 1000

    @property
    def p50_ms(self) -> float:
        """Median latency in milliseconds."""
        return self.percentile_ms(50)

    @property
    def p99_ms(self) -> float:
        """99th percentile latency in milliseconds."""
        return self.percentile_ms(99)

    @property
    def max_ms(self) -> float:
        """Highest recorded latency in milliseconds."""
        return float(self.histogram.get_max_value()) / 1000

    def saturated_client(self) -> bool:
        """Whether this client was busy or late enough that it may have limited the result."""
        return self.client_cpu >= CLIENT_CPU_LIMIT or self.max_send_lag > SEND_LAG_LIMIT


@dataclass
class _Tally:
    """The mutable counters of one run, shared by the scheduler and the request tasks."""

    histogram: HdrHistogram = field(default_factory=new_histogram)
    completed: int = 0
    errors: int = 0
    timed_out: int = 0
    error_sample: str | None = None
    max_send_lag: float = 0.0
    last_settled: float = 0.0

    def record_latency(self, seconds: float) -> None:
        # Clamped because the histogram silently drops values outside its range.
        micros = min(max(round(seconds * 1_000_000), LOWEST_US), HIGHEST_US)
        self.histogram.record_value(micros)

    def record_error(self, sample: str, at: float) -> None:
        self.errors += 1
        if self.error_sample is None:
            self.error_sample = sample
        self.last_settled = max(self.last_settled, at)


async def run_open_loop(
    action: Action,
    rate: float,
    duration: float,
    *,
    warmup: float = 0.0,
    max_in_flight: int = 5000,
    first_index: int = 0,
    drain_timeout: float = 30.0,
) -> RunResult:
    """Call action at a fixed rate for warmup + duration seconds and measure the duration part.

    Request i (index first_index + i) is due at t0 + i / rate and starts as its own task then,
    or at once if the scheduler is behind; its latency runs from the due time to completion.
    Requests due in the first `warmup` seconds run but are not recorded. When `max_in_flight`
    requests are outstanding, further ones are not started but count as sent and as errors
    ("client overloaded"), so an overwhelmed target fails the run instead of eating memory.
    Requests still running `drain_timeout` seconds after the last one was due are cancelled and
    count as errors, and their time so far is recorded as their latency: it is a lower bound,
    and leaving them out would hide exactly the slowest requests.
    """
    if rate <= 0 or duration <= 0 or warmup < 0:
        raise ValueError("rate and duration must be positive and warmup not negative")
    if max_in_flight < 1:
        raise ValueError("max_in_flight must be at least 1")
    # Request i is warmup when due before `warmup`; the epsilon keeps 0.5 s * 200/s at 100.
    warmup_count = math.ceil(warmup * rate - 1e-9)
    measured_count = round(duration * rate)
    if measured_count < 1:
        raise ValueError("duration * rate must give at least one measured request")
    total = warmup_count + measured_count

    tally = _Tally()
    # Outstanding requests and, for measured ones, their due time (None for warmup).
    in_flight: dict[asyncio.Task[None], float | None] = {}

    def forget(task: asyncio.Task[None]) -> None:
        in_flight.pop(task, None)

    async def one(index: int, due: float, measured: bool) -> None:
        started = time.monotonic()
        if measured:
            tally.max_send_lag = max(tally.max_send_lag, started - due)
        try:
            await action(index)
        except Exception as error:
            if measured:
                tally.record_error(repr(error), time.monotonic())
            return
        finished = time.monotonic()
        if measured:
            tally.completed += 1
            tally.record_latency(finished - due)
            tally.last_settled = max(tally.last_settled, finished)

    cpu_start = time.process_time()
    t0 = time.monotonic()
    window_start = t0 + warmup_count / rate
    try:
        for i in range(total):
            due = t0 + i / rate
            # Sleeping even when overdue (sleep(0)) lets started requests run and finish
            # between sends, so a late scheduler still drains instead of piling up tasks.
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            measured = i >= warmup_count
            if len(in_flight) >= max_in_flight:
                if measured:
                    now = time.monotonic()
                    tally.max_send_lag = max(tally.max_send_lag, now - due)
                    tally.record_error(f"{OVERLOADED}: {len(in_flight)} requests in flight", now)
                continue
            task = asyncio.create_task(one(first_index + i, due, measured))
            in_flight[task] = due if measured else None
            task.add_done_callback(forget)

        stragglers: set[asyncio.Task[None]] = set()
        if in_flight:
            _, stragglers = await asyncio.wait(set(in_flight), timeout=drain_timeout)
        now = time.monotonic()
        for task in stragglers:
            task.cancel()
            straggler_due = in_flight.get(task)
            if straggler_due is not None:
                tally.timed_out += 1
                tally.record_latency(now - straggler_due)
                tally.record_error(
                    f"TimeoutError('still running {drain_timeout:g} s after the last send')", now
                )
        if stragglers:
            await asyncio.gather(*stragglers, return_exceptions=True)
    finally:
        # If this run is itself cancelled, its requests must not outlive it.
        for task in list(in_flight):
            task.cancel()

    wall = time.monotonic() - t0
    cpu = time.process_time() - cpu_start
    window = max(measured_count / rate, tally.last_settled - window_start)
    return RunResult(
        target_rate=rate,
        duration=window,
        sent=measured_count,
        completed=tally.completed,
        errors=tally.errors,
        error_sample=tally.error_sample,
        histogram=tally.histogram,
        client_cpu=cpu / wall if wall > 0 else 0.0,
        max_send_lag=tally.max_send_lag,
        timed_out=tally.timed_out,
        next_index=first_index + total,
    )


@dataclass(frozen=True)
class RateSearch:
    """The outcome of find_max_rate."""

    best: RunResult | None
    """The highest rate that met the limits; None when even start_rate did not."""
    runs: list[RunResult]
    """Every step tried, in order (saturated-client steps included, for the report)."""


async def find_max_rate(
    action: Action,
    *,
    p99_limit_ms: float,
    start_rate: float,
    max_rate: float,
    step_duration: float,
    warmup: float,
    precision: float = 0.1,
    max_error_rate: float = 0.0,
    pause: float = 0.5,
    first_index: int = 0,
    retries: int = 1,
    between: Callable[[], Awaitable[None]] | None = None,
) -> RateSearch:
    """Find the highest fixed arrival rate whose p99 stays within the limit without errors.

    Doubles from start_rate until a step fails or max_rate passes, then bisects between the
    last passing and the first failing rate until they are within `precision` of each other
    (relative). Each step continues the request indices of the previous one. A step whose
    client was saturated still counts: its latency includes the client's lateness, so a pass
    is conservative and a fail is worth checking in `runs`. A failing step is run again up to
    `retries` times before its rate counts as failing, so that one hiccup of a shared machine
    (a checkpoint, a collection) does not end the search; every attempt stays in `runs`.
    `between`, if given, is awaited before every step after the first (after the pause):
    for writes whose events the pipeline works off after the step, waiting until it has,
    so that a failed step's backlog does not load the next, lower one.
    """
    if not 0 < start_rate <= max_rate:
        raise ValueError("need 0 < start_rate <= max_rate")
    if precision <= 0:
        raise ValueError("precision must be positive")
    runs: list[RunResult] = []
    next_index = first_index

    def passes(result: RunResult) -> bool:
        return (
            result.completed > 0
            and result.error_rate <= max_error_rate
            and result.p99_ms <= p99_limit_ms
        )

    async def step(rate: float) -> RunResult:
        nonlocal next_index
        for _ in range(retries + 1):
            if runs:
                # Lets the target drain its queues so that one step does not tax the next.
                await asyncio.sleep(pause)
                if between is not None:
                    await between()
            result = await run_open_loop(
                action, rate, step_duration, warmup=warmup, first_index=next_index
            )
            next_index = result.next_index
            runs.append(result)
            if passes(result):
                break
        return result

    best: RunResult | None = None
    failing_rate: float | None = None
    rate = start_rate
    while True:
        result = await step(rate)
        if not passes(result):
            failing_rate = rate
            break
        best = result
        if rate >= max_rate:
            break
        rate = min(rate * 2, max_rate)

    if best is None or failing_rate is None:
        return RateSearch(best=best, runs=runs)
    low, high = best.target_rate, failing_rate
    while (high - low) / high > precision:
        middle = (low + high) / 2
        result = await step(middle)
        if passes(result):
            best, low = result, middle
        else:
            high = middle
    return RateSearch(best=best, runs=runs)


def format_run(result: RunResult) -> str:
    """One log line: rate, p50, p99, max, errors, achieved rate, client CPU (and saturation)."""
    line = (
        f"{result.target_rate:g}/s: p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, "
        f"max {result.max_ms:.1f} ms, {result.errors} errors, "
        f"achieved {result.achieved_rate:.0f}/s, client CPU {result.client_cpu:.0%}"
    )
    if result.errors and result.error_sample:
        line += f" (first error: {result.error_sample})"
    if result.saturated_client():
        line += f" [CLIENT SATURATED: send lag up to {result.max_send_lag * 1000:.0f} ms]"
    return line
