"""The gateway passes the live feed's server-sent events on as they come (nginx would
otherwise buffer a response and hold the first event back): an event sent by the service
reaches the client while the service still keeps the stream open."""

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from cluster import Cluster, free_port
from embedded.services import SERVICE_NAMES
from tests.deploy.test_gateway import nginx  # noqa: F401  (the fixture: skips without nginx)

STREAM = "/api/messaging/notifications/stream"


class SlowStream:
    """A service answering the stream's path with one event, then holding the stream open
    until told (or for 20 s), without asking for unbuffered proxying itself."""

    def __init__(self) -> None:
        self.release = threading.Event()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        headers = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"id: 1\ndata: {}\n\n", "more_body": True}
        )
        deadline = time.monotonic() + 20
        while not self.release.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await send({"type": "http.response.body", "body": b": end\n\n"})


@pytest.fixture
def stream_service() -> Iterator[tuple[SlowStream, int]]:
    app = SlowStream()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    yield app, server.config.port
    app.release.set()
    server.should_exit = True
    thread.join(timeout=10)


def test_the_gateway_streams_the_live_feed_unbuffered(
    nginx: str,  # noqa: F811
    stream_service: tuple[SlowStream, int],
    tmp_path: Path,
) -> None:
    service, port = stream_service
    gateway = Cluster(tmp_path, {}, "")
    gateway.ports = dict.fromkeys(SERVICE_NAMES, port)
    gateway.gateway_port = free_port()
    gateway.start_nginx()
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{gateway.base_url}/", timeout=1, trust_env=False)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.05)
        with (
            httpx.Client(base_url=gateway.base_url, timeout=30, trust_env=False) as client,
            client.stream("GET", STREAM) as response,
        ):
            assert response.status_code == 200
            first = next(response.iter_lines())
            held_open = not service.release.is_set()
            service.release.set()
        assert first == "id: 1"
        assert held_open
    finally:
        gateway.stop()


def test_the_stream_location_turns_buffering_off() -> None:
    """nginx 1.22 happens to pass small chunks on at once even when buffering; a larger or
    busier stream would wait for a buffer to fill. The location says so explicitly."""
    from cluster import GATEWAY_CONF

    [location] = [
        line for line in GATEWAY_CONF.read_text().splitlines() if f"location = {STREAM} " in line
    ]
    assert "proxy_buffering off;" in location
    assert "proxy_pass http://messaging;" in location
