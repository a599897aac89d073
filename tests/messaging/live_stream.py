"""Helpers of the live-stream tests: an ASGI app served by uvicorn on a free port (httpx's
ASGI transport buffers whole responses, so a stream needs a real server), and a reader of
server-sent events."""

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from starlette.types import ASGIApp

WAIT = 30.0  # a bound on waiting for a condition, never a pause


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def served(app: ASGIApp) -> AsyncIterator[str]:
    """The app on uvicorn (its lifespan run), until the block ends; its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(WAIT):
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        await task


@dataclass
class Sse:
    event: str
    id: str | None
    data: Any


class EventReader:
    """Reads a response's server-sent events one at a time."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.lines = response.aiter_lines()

    async def next(self) -> Sse:
        event, event_id, data = "message", None, []
        async with asyncio.timeout(WAIT):
            async for line in self.lines:
                if not line:
                    if data:
                        return Sse(event, event_id, json.loads("\n".join(data)))
                    event, event_id, data = "message", None, []
                    continue
                if line.startswith(":"):
                    continue
                field, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if field == "event":
                    event = value
                elif field == "id":
                    event_id = value
                elif field == "data":
                    data.append(value)
        raise AssertionError("the stream ended")

    async def next_of(self, kind: str) -> Sse:
        while True:
            found = await self.next()
            if found.event == kind:
                return found
