"""Sign-ins per client address in the embedded mode, as nginx limits them in the
distributed one (`limit_req zone=login burst=40 delay=20`, `rate=5r/s` in
deploy/nginx/school.conf; the numbers are read from there by a test).

nginx's leaky bucket: each address has an excess that drains at `rate` requests a second
and grows by one with each request; a request finding the excess above `burst` is
answered 429 (and not counted), one above `delay` waits until the excess has drained to
`delay` (so the first 20 of a burst pass at once, the next 20 are spaced at the rate).
Only `POST /api/auth/login` is limited; auth itself slows repeated failures per login.
"""

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

LOGIN_PATH = "/api/auth/login"
RATE = 5.0  # requests a second, on average
BURST = 40
DELAY = 20
# Addresses remembered at most; past this, the drained ones are forgotten first.
MAX_ADDRESSES = 100_000


@dataclass
class _Bucket:
    excess: float
    at: float


class LoginRateLimit:
    def __init__(
        self,
        app: ASGIApp,
        *,
        rate: float = RATE,
        burst: int = BURST,
        delay: int = DELAY,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.app = app
        self.rate = rate
        self.burst = burst
        self.delay = delay
        self.clock = clock
        self.sleep = sleep
        self._buckets: dict[str, _Bucket] = {}

    def admit(self, address: str) -> float | None:
        """Seconds this request waits (0: none), or None: refused."""
        now = self.clock()
        bucket = self._buckets.get(address)
        if bucket is None:
            excess = 0.0
        else:
            excess = max(bucket.excess - self.rate * (now - bucket.at), 0.0) + 1.0
        if excess > self.burst:
            return None
        if len(self._buckets) >= MAX_ADDRESSES and address not in self._buckets:
            self._forget_drained(now)
        self._buckets[address] = _Bucket(excess, now)
        return max(excess - self.delay, 0.0) / self.rate

    def _forget_drained(self, now: float) -> None:
        for address, bucket in list(self._buckets.items()):
            if bucket.excess - self.rate * (now - bucket.at) <= 0:
                del self._buckets[address]
        if len(self._buckets) >= MAX_ADDRESSES:
            self._buckets.clear()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != LOGIN_PATH or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        wait = self.admit(client[0] if client else "")
        if wait is None:
            await _too_many_requests(send)
            return
        if wait > 0:
            await self.sleep(wait)
        await self.app(scope, receive, send)


async def _too_many_requests(send: Send) -> None:
    """The gateway's own 429, as nginx's error page types it (problem+json)."""
    body = json.dumps(
        {
            "type": "urn:school:problem:too-many-requests",
            "title": "Too many requests",
            "status": 429,
            "detail": "Too many sign-in requests from this address; retry shortly.",
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", b"1"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
