"""The live feed: the lag from a mark posted to its parent's open client receiving it over
server-sent events (journal → outbox → RabbitMQ → messaging's consumer → NOTIFY →
messaging's API process → nginx → the client), at the lag scenario's rate (80 % of the
highest mark rate journal accepts), with parents' streams open through the gateway.

The ceiling is the same mark's notification row committing in messaging's database: what
the stream adds on top of the pipeline is the wake-up, one read and the gateway."""

import asyncio
import contextlib
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

import aiohttp

from bench.figures import Figure, Profile
from bench.loadgen import format_run, run_open_loop
from bench.scenarios.lag import (
    SETTLE_TIMEOUT,
    Arrivals,
    _highest_accepted,
    _ms,
    _record,
    _shifted,
    lag_histogram,
)
from bench.scenarios.marks import Desk, MarkToPost, desks, marks_to_post, post_over_http
from bench.stage import Stage

LIVE_LIMIT_MS = 200.0  # p99 from a posted mark to the parent's open client
STREAM = "/api/messaging/notifications/stream"


@dataclass(frozen=True)
class Watcher:
    """A parent with the feed open, and the child whose marks they wait for."""

    token: str
    student_id: uuid.UUID


async def watchers(stage: Stage, marks: list[MarkToPost], count: int) -> list[Watcher]:
    """The first parent of each of `count` students the marks go to."""
    picked: dict[uuid.UUID, str] = {}
    for item in marks:
        if len(picked) >= count:
            break
        if item.student.guardians and item.student.id not in picked:
            picked[item.student.id] = item.student.guardians[0].login
    tokens = await stage.logins(list(picked.values()))
    return [Watcher(t, s) for t, s in zip(tokens, picked, strict=True)]


async def _listen(stage: Stage, watcher: Watcher, arrived: Arrivals, ready: asyncio.Event) -> None:
    """Read one parent's stream, noting when each mark's notification came in."""
    timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
    async with stage.http.get(
        f"{stage.base_url}{STREAM}",
        headers={"Authorization": f"Bearer {watcher.token}"},
        timeout=timeout,
    ) as response:
        if response.status != 200:
            raise RuntimeError(f"the stream answered {response.status}")
        event = ""
        async for raw in response.content:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                event = line.removeprefix("event: ")
            elif line.startswith("data: ") and event == "unread":
                ready.set()
            elif line.startswith("data: ") and event == "notification":
                payload = json.loads(line.removeprefix("data: "))["payload"]
                if "mark_id" in payload:
                    arrived.setdefault(uuid.UUID(payload["mark_id"]), datetime.now(UTC))


async def _committed(stage: Stage, posted: Arrivals) -> Arrivals:
    """When each posted mark's first notification to a parent committed."""
    messaging = await stage.pool("messaging")
    rows = await messaging.fetch(
        "SELECT payload->>'mark_id' AS mark_id, min(created_at) AS at FROM notifications "
        "WHERE created_at >= $1 AND recipient_person_id <> student_id GROUP BY 1",
        min(posted.values()),
    )
    return {uuid.UUID(r["mark_id"]): r["at"] for r in rows if uuid.UUID(r["mark_id"]) in posted}


async def run(stage: Stage, profile: Profile) -> list[Figure]:
    all_desks: list[Desk] = await desks(stage, 20)
    mark = partial(_shifted, marks_to_post(all_desks), 4 * 10**7)
    highest, source = await _highest_accepted(stage, profile, partial(_shifted, mark, 10**6))
    rate = highest * profile.lag_share
    # Only marks of watched children are posted: every one is awaited by an open client.
    candidates = [mark(i) for i in range(2000)]
    watched = await watchers(stage, candidates, max(2, profile.readers))
    children = {w.student_id for w in watched}
    targets = [m for m in candidates if m.student.id in children]
    posted: Arrivals = {}
    arrived: Arrivals = {}
    readies = [asyncio.Event() for _ in watched]
    listeners = [
        asyncio.create_task(_listen(stage, w, arrived, ready))
        for w, ready in zip(watched, readies, strict=True)
    ]
    try:
        async with asyncio.timeout(60):
            await asyncio.gather(*(ready.wait() for ready in readies))
        print(f"bench: live feed: {len(watched)} parents' streams open; posting at {rate:.0f}/s")

        async def post(i: int) -> None:
            body = await post_over_http(stage, targets[i % len(targets)])
            posted[uuid.UUID(str(body["mark_id"]))] = datetime.fromisoformat(str(body["posted_at"]))

        result = await run_open_loop(post, rate, profile.lag_duration)
        print(f"bench:   posting: {format_run(result)}", flush=True)
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while any(m not in arrived for m in posted) and time.monotonic() < deadline:
            if any(task.done() for task in listeners):
                break  # a stream ended: what came is what we measure
            await asyncio.sleep(0.1)
    finally:
        for task in listeners:
            task.cancel()
        for task in listeners:
            with contextlib.suppress(asyncio.CancelledError, aiohttp.ClientError):
                await task
    committed = await _committed(stage, posted) if posted else {}
    live, ceiling = lag_histogram(), lag_histogram()
    for mark_id, at in posted.items():
        if mark_id in arrived:
            _record(live, at, arrived[mark_id])
        if mark_id in committed:
            _record(ceiling, at, committed[mark_id])
    lost = [m for m in posted if m not in arrived]
    judge = profile.name != "smoke"
    share = f"{profile.lag_share:.0%} of the highest accepted {highest:.0f}/s"
    details = (
        f"{len(posted)} marks posted to {len(watched)} parents with the feed open (achieved "
        f"{result.achieved_rate:.0f}/s, HTTP p99 {result.p99_ms:.1f} ms, {result.errors} "
        f"errors); {len(lost)} not received within {SETTLE_TIMEOUT:.0f} s; the highest "
        f"accepted rate from {source}; ceiling: the notification row's commit"
    )
    return [
        Figure(
            scenario=(
                f"lag, mark posted → parent's open live feed at {rate:.0f} marks/s = {share} "
                "(SSE via nginx)"
            ),
            measure=f"p{p:.0f}",
            unit="ms",
            ours=_ms(live, p),
            ceiling=_ms(ceiling, p),
            target=f"p99 ≤ {LIVE_LIMIT_MS:.0f} ms" if p == 99.0 else "",
            met=None
            if not judge or p != 99.0
            else (_ms(live, p) <= LIVE_LIMIT_MS and not lost and result.errors == 0),
            details=details,
        )
        for p in (50.0, 99.0)
    ]
