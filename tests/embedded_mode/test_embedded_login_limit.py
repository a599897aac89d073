"""The embedded gateway limits sign-ins per client address as nginx does in the
distributed mode: the same rate, burst and delay, a 429 problem beyond the burst."""

import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from embedded import login_limit
from embedded.gateway import Gateway
from embedded.login_limit import LoginRateLimit

SCHOOL_CONF = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "school.conf"


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)


def auth_app() -> FastAPI:
    app = FastAPI()

    @app.post("/api/auth/login")
    async def login() -> dict[str, str]:
        return {"ok": "yes"}

    @app.post("/api/auth/token/refresh")
    async def refresh() -> dict[str, str]:
        return {"ok": "yes"}

    return app


def limited(time: FakeTime) -> Gateway:
    gateway = Gateway({"auth": auth_app()})
    limit = LoginRateLimit(gateway._dispatch, clock=time.clock, sleep=time.sleep)
    gateway.dispatch = limit
    return gateway


def client(gateway: Gateway, address: str = "10.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=gateway, client=(address, 1234))
    return httpx.AsyncClient(transport=transport, base_url="http://school")


def test_the_numbers_are_nginxs() -> None:
    conf = SCHOOL_CONF.read_text()
    zone = re.search(r"limit_req_zone \$binary_remote_addr zone=login:\S+ rate=(\d+)r/s;", conf)
    location = re.search(
        r"location = /api/auth/login \{ limit_req zone=login burst=(\d+) delay=(\d+);", conf
    )
    assert zone and location
    assert float(zone.group(1)) == login_limit.RATE
    assert (int(location.group(1)), int(location.group(2))) == (
        login_limit.BURST,
        login_limit.DELAY,
    )


async def test_a_burst_passes_twenty_at_once_spaces_twenty_and_refuses_the_rest() -> None:
    time = FakeTime()
    async with client(limited(time)) as http:
        statuses = [(await http.post("/api/auth/login")).status_code for _ in range(45)]

    assert statuses == [200] * 41 + [429] * 4
    # Excess 0..20 pass at once; 21..40 wait until drained to 20, at 5 a second.
    assert time.waits == [pytest.approx(n / 5) for n in range(1, 21)]


async def test_refused_answers_are_problems_and_other_addresses_and_paths_are_free() -> None:
    time = FakeTime()
    gateway = limited(time)
    async with client(gateway) as http:
        for _ in range(41):
            await http.post("/api/auth/login")
        refused = await http.post("/api/auth/login")
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"] == "urn:school:problem:too-many-requests"
        assert (await http.post("/api/auth/token/refresh")).status_code == 200
    async with client(gateway, "10.0.0.2") as other:
        assert (await other.post("/api/auth/login")).status_code == 200


async def test_the_bucket_drains_at_the_rate() -> None:
    time = FakeTime()
    async with client(limited(time)) as http:
        for _ in range(41):
            await http.post("/api/auth/login")
        assert (await http.post("/api/auth/login")).status_code == 429
        time.now += 1.0  # five drained
        statuses = [(await http.post("/api/auth/login")).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


async def test_the_gateway_limits_sign_ins() -> None:
    gateway = Gateway({"auth": auth_app()})
    assert isinstance(gateway.dispatch.app, LoginRateLimit)  # type: ignore[attr-defined]
