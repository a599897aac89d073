"""Test helpers for RabbitMQ: where the broker is, a fresh vhost per run, server-side
connection closing, cleanup of a test's exchanges and queues, and a TCP proxy that plays
an unreachable or failing network.

Isolation: a run gets its own vhost when a broker admin is at hand (the management HTTP
API, or `rabbitmqctl` next to a local broker), and every test uses its own exchange and
queue names anyway and deletes them afterwards, so nothing one run leaves behind can make
another pass or fail.
"""

import asyncio
import contextlib
import json
import os
import shutil
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import Protocol
from urllib.parse import quote, urlsplit, urlunsplit

import aio_pika
import aio_pika.exceptions
import httpx

DEFAULT_TEST_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def amqp_url_for_tests() -> str:
    """The broker the tests use: TEST_AMQP_URL, else the development machine's."""
    return os.environ.get("TEST_AMQP_URL", DEFAULT_TEST_AMQP_URL)


def rabbitmq_node_for_tests() -> str | None:
    """The broker node rabbitmqctl addresses: TEST_RABBITMQ_NODE (a broker of the tests'
    own beside the machine's, e.g. faults@localhost), else rabbitmqctl's default node."""
    return os.environ.get("TEST_RABBITMQ_NODE") or None


def rabbitmq_required() -> bool:
    """REQUIRE_RABBITMQ=1 (CI): an unreachable broker fails the tests instead of skipping."""
    return os.environ.get("REQUIRE_RABBITMQ", "") == "1"


def unique_prefix(label: str = "test") -> str:
    """A random, readable name prefix for one test's exchanges and queues."""
    return f"{label}-{uuid.uuid4().hex[:8]}"


def with_vhost(url: str, vhost: str) -> str:
    """The AMQP URL of `vhost` on the same broker with the same credentials."""
    parts = urlsplit(url)
    return urlunsplit(
        (parts.scheme, parts.netloc, "/" + quote(vhost, safe=""), parts.query, parts.fragment)
    )


async def unreachable_reason(url: str, connect_timeout: float = 5.0) -> str | None:
    """None if an AMQP connection to `url` opens, else why not (no credentials shown)."""
    host = urlsplit(url).hostname or "?"
    port = urlsplit(url).port or 5672
    try:
        connection = await aio_pika.connect(url, timeout=connect_timeout)
    except (*aio_pika.exceptions.CONNECTION_EXCEPTIONS, TimeoutError) as exc:
        return f"RabbitMQ at {host}:{port} is unreachable ({type(exc).__name__})"
    await connection.close()
    return None


async def delete_topology(
    url: str, *, exchanges: Iterable[str] = (), queues: Iterable[str] = ()
) -> None:
    """Delete a test's exchanges and queues (missing ones are fine)."""
    connection = await aio_pika.connect(url, timeout=10)
    try:
        for queue in queues:
            channel = await connection.channel()
            with contextlib.suppress(aio_pika.exceptions.ChannelClosed):
                await channel.queue_delete(queue)
            with contextlib.suppress(*aio_pika.exceptions.CONNECTION_EXCEPTIONS):
                await channel.close()
        for exchange in exchanges:
            channel = await connection.channel()
            with contextlib.suppress(aio_pika.exceptions.ChannelClosed):
                await channel.exchange_delete(exchange)
            with contextlib.suppress(*aio_pika.exceptions.CONNECTION_EXCEPTIONS):
                await channel.close()
    finally:
        await connection.close()


# --- broker administration ---------------------------------------------------------------


class BrokerAdmin(Protocol):
    """What the tests need beyond AMQP: vhosts, and closing connections server-side."""

    name: str

    async def create_vhost(self, vhost: str, user: str) -> None: ...

    async def delete_vhost(self, vhost: str) -> None: ...

    async def close_connections(self, connection_name: str) -> int:
        """Close every connection whose client named itself `connection_name`."""
        ...


class ManagementApi:
    """The management plugin's HTTP API."""

    name = "management API"

    def __init__(
        self,
        base_url: str,
        user: str,
        password: str,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._auth = httpx.BasicAuth(user, password)
        self._transport = transport

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.base_url, auth=self._auth, timeout=10, transport=self._transport
        )

    async def available(self) -> bool:
        try:
            async with self._client() as client:
                return (await client.get("/api/overview")).status_code == 200
        except httpx.HTTPError:
            return False

    async def create_vhost(self, vhost: str, user: str) -> None:
        async with self._client() as client:
            (await client.put(f"/api/vhosts/{quote(vhost, safe='')}", json={})).raise_for_status()
            (
                await client.put(
                    f"/api/permissions/{quote(vhost, safe='')}/{quote(user, safe='')}",
                    json={"configure": ".*", "write": ".*", "read": ".*"},
                )
            ).raise_for_status()

    async def delete_vhost(self, vhost: str) -> None:
        async with self._client() as client:
            response = await client.delete(f"/api/vhosts/{quote(vhost, safe='')}")
            if response.status_code != 404:
                response.raise_for_status()

    async def close_connections(self, connection_name: str) -> int:
        async with self._client() as client:
            response = await client.get(
                "/api/connections", params={"columns": "name,client_properties"}
            )
            response.raise_for_status()
            names = [
                c["name"]
                for c in response.json()
                if (c.get("client_properties") or {}).get("connection_name") == connection_name
            ]
            for name in names:
                await client.delete(
                    f"/api/connections/{quote(name, safe='')}",
                    headers={"X-Reason": "test: connection closed"},
                )
        return len(names)


class Rabbitmqctl:
    """The broker's own CLI, for a broker on this machine (needs the Erlang cookie)."""

    name = "rabbitmqctl"

    def __init__(self, executable: str = "rabbitmqctl", node: str | None = None) -> None:
        self.executable = executable
        self.node_args = ("-n", node) if node else ()

    async def _run(self, *args: str) -> str:
        process = await asyncio.create_subprocess_exec(
            self.executable,
            *self.node_args,
            "-q",
            *args,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {args[0]} failed: {err.decode()[:300]}")
        return out.decode()

    async def available(self) -> bool:
        try:
            await self._run("list_vhosts")
        except (OSError, RuntimeError):
            return False
        return True

    async def create_vhost(self, vhost: str, user: str) -> None:
        await self._run("add_vhost", vhost)
        await self._run("set_permissions", "-p", vhost, user, ".*", ".*", ".*")

    async def delete_vhost(self, vhost: str) -> None:
        with contextlib.suppress(RuntimeError):
            await self._run("delete_vhost", vhost)

    async def close_connections(self, connection_name: str) -> int:
        # The plain output carries the pid in the form close_connection accepts; the
        # client properties hold {"connection_name","<name>"}.
        listing = await self._run(
            "list_connections", "pid", "client_properties", "--no-table-headers"
        )
        marker = '{"connection_name",' + json.dumps(connection_name) + "}"
        pids = [line.split("\t", 1)[0] for line in listing.splitlines() if marker in line]
        for pid in pids:
            with contextlib.suppress(RuntimeError):  # it may have gone by itself
                await self._run("close_connection", pid, "test: connection closed")
        return len(pids)


async def find_admin(amqp_url: str) -> BrokerAdmin | None:
    """The management API (TEST_RABBITMQ_MANAGEMENT_URL, else port 15672 of the broker's
    host), else rabbitmqctl for a broker on this machine, else None."""
    parts = urlsplit(amqp_url)
    user, password = parts.username or "guest", parts.password or "guest"
    management_url = os.environ.get(
        "TEST_RABBITMQ_MANAGEMENT_URL", f"http://{parts.hostname or '127.0.0.1'}:15672"
    )
    api = ManagementApi(management_url, user, password)
    if await api.available():
        return api
    executable = shutil.which("rabbitmqctl")
    if executable and (parts.hostname or "localhost") in LOCAL_HOSTS:
        ctl = Rabbitmqctl(executable, rabbitmq_node_for_tests())
        if await ctl.available():
            return ctl
    return None


# --- a TCP proxy to play network failures --------------------------------------------------


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target; can refuse new connections (a broker that
    is down) and cut the open ones (a broker restart or a network failure)."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.accepting = True
        self.port = 0
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.StreamWriter] = set()
        self._pipes: set[asyncio.Task[None]] = set()

    @classmethod
    def to(cls, amqp_url: str) -> "TcpProxy":
        parts = urlsplit(amqp_url)
        return cls(parts.hostname or "127.0.0.1", parts.port or 5672)

    def url_for(self, amqp_url: str) -> str:
        """`amqp_url` redirected through this proxy."""
        parts = urlsplit(amqp_url)
        credentials = parts.netloc.rpartition("@")[0]
        netloc = f"{credentials}@127.0.0.1:{self.port}" if credentials else f"127.0.0.1:{self.port}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Drop every open connection, both ways."""
        for writer in list(self._links):
            writer.transport.abort()
        self._links.clear()

    async def close(self) -> None:
        self.accepting = False
        await self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._pipes):
            task.cancel()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.accepting:
            writer.transport.abort()
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                self.target_host, self.target_port
            )
        except OSError:
            writer.transport.abort()
            return
        self._links.update((writer, upstream_writer))
        for source, sink in ((reader, upstream_writer), (upstream_reader, writer)):
            task = asyncio.create_task(self._pipe(source, sink))
            self._pipes.add(task)
            task.add_done_callback(self._pipes.discard)

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            sink.transport.abort()
            self._links.discard(sink)


RabbitVhosts = Callable[[str], Awaitable[str]]
"""A factory of fresh vhosts: takes a label, returns the AMQP URL of a new vhost."""
