"""A service as one kind of process: `python -m <service> api|relay|consume`.

The distributed mode runs each service as three kinds of process from the same code and
settings, so each scales on its own and the relay never waits behind HTTP:

- `api`: uvicorn serving the app in its `api` role (shared.web): HTTP only, no broker;
- `relay`: the outbox relay alone, and the purge (shared.purge); before its first
  publish it declares every consuming service's queue (shared.topology), so no event is
  routed while a queue is missing;
- `consume`: the service's consumers alone.

Any number of each may run side by side: relays claim outbox rows with SKIP LOCKED, and
consumers of one queue compete for its messages. `relay` and `consume` stop cleanly on
SIGTERM or SIGINT (a delivery being handled gets a moment to finish; what is left
unacknowledged goes back to the queue) and, given `--health-port`, answer any HTTP
request on it with their readiness (200, or 503 while the database or broker is away).
"""

import argparse
import asyncio
import contextlib
import json
import logging
import os
import shutil
import signal
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from dataclasses import dataclass

import uvicorn

from shared.bus import Bus
from shared.db import Database
from shared.logging import configure_logging
from shared.metrics import MULTIPROCESS_DIR
from shared.purge import Purge, Retained
from shared.relay import OutboxRelay
from shared.settings import BaseServiceSettings
from shared.topology import registered_bindings
from shared.web import SubscriptionsFactory, make_bus, readiness, service_database

log = logging.getLogger(__name__)

PROCESS_KINDS = ("api", "relay", "consume")
# The relay holds one claiming transaction at a time (plus its LISTEN connection, which
# is not pooled), the purge one for a moment: two pooled connections leave the service's
# pool to its API and consumers.
RELAY_POOL_SIZE = 2
HEALTH_REQUEST_TIMEOUT = 5.0


Background = Callable[[BaseServiceSettings, Database], AbstractAsyncContextManager[object]]


@dataclass(frozen=True)
class ServiceProcesses:
    """What it takes to run one service as any kind of process."""

    name: str
    settings: Callable[[], BaseServiceSettings]
    api_factory: str  # "<module>:<function>", so that uvicorn's workers can import it
    subscriptions: SubscriptionsFactory
    # The service's own tables the purge keeps short, besides the outbox and the inbox.
    retained: Sequence[Retained] = ()
    # Scheduled work the consume process runs beside the consumers (messaging's digests
    # and email): entered once the consumers have started, left when they stop.
    background: Background | None = None


def main(service: ServiceProcesses, argv: Sequence[str] | None = None) -> None:
    """The command line of `python -m <service>`."""
    args = command_line(service.name).parse_args(argv)
    settings = service.settings()
    configure_logging(settings.log_level)
    if args.kind == "api":
        run_api(service, settings, args.host, args.port, args.workers, args.keep_alive)
    elif args.kind == "relay":
        asyncio.run(run_relay(service, settings, health=(args.health_host, args.health_port)))
    else:
        asyncio.run(run_consumers(service, settings, health=(args.health_host, args.health_port)))


def command_line(name: str) -> argparse.ArgumentParser:
    """The arguments of `python -m <name>`: the kind of process and its options."""
    parser = argparse.ArgumentParser(
        prog=f"python -m {name}",
        description=f"Run {name} as one kind of process; settings from {name.upper()}_*.",
    )
    kinds = parser.add_subparsers(dest="kind", required=True, metavar="api|relay|consume")
    api = kinds.add_parser("api", help="the HTTP API (uvicorn), without broker")
    api.add_argument("--host", default="127.0.0.1")
    api.add_argument("--port", type=int, default=8000)
    api.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    api.add_argument(
        "--keep-alive",
        type=int,
        default=None,
        help=f"seconds an idle connection stays open (default {name.upper()}_KEEP_ALIVE_TIMEOUT)",
    )
    for kind, text in (("relay", "the outbox relay"), ("consume", "the consumers")):
        process = kinds.add_parser(kind, help=f"{text}, without HTTP")
        process.add_argument(
            "--health-port",
            type=int,
            default=None,
            help="answer HTTP on this port with readiness (200 or 503); none by default",
        )
        process.add_argument("--health-host", default="127.0.0.1")
    return parser


def run_api(
    service: ServiceProcesses,
    settings: BaseServiceSettings,
    host: str,
    port: int,
    workers: int,
    keep_alive: int | None,
) -> None:
    """Serve the HTTP API; uvicorn handles SIGTERM and SIGINT itself. Several workers
    share their request metrics through a directory of this API's own (shared.metrics),
    given by PROMETHEUS_MULTIPROC_DIR or made here and removed on the way out."""
    made = None
    if workers > 1 and not os.environ.get(MULTIPROCESS_DIR):
        made = tempfile.mkdtemp(prefix=f"school-{service.name}-metrics-")
        os.environ[MULTIPROCESS_DIR] = made  # the workers inherit it
    try:
        uvicorn.run(
            service.api_factory,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            timeout_keep_alive=(
                keep_alive if keep_alive is not None else settings.keep_alive_timeout
            ),
            access_log=False,  # the app logs one line per request itself (shared.logging)
            log_config=None,  # keep the JSON lines configured above
        )
    finally:
        if made is not None:
            del os.environ[MULTIPROCESS_DIR]
            shutil.rmtree(made, ignore_errors=True)


async def run_relay(
    service: ServiceProcesses,
    settings: BaseServiceSettings,
    *,
    health: tuple[str, int | None] = ("127.0.0.1", None),
) -> None:
    """Publish the service's outbox, and purge what is past the retention, until SIGTERM
    or SIGINT."""
    stopping = _stop_on_signals()
    db = service_database(settings, pool_size=RELAY_POOL_SIZE)
    bus = make_bus(settings, f"{service.name}-relay")
    relay = OutboxRelay(
        db,
        bus,
        poll_interval=settings.relay_poll_interval,
        batch_size=settings.relay_batch_size,
        park_after=settings.outbox_park_after,
    )
    purge = Purge.for_service(db, settings, service.retained)
    try:
        # Declared before the bus connects, the queues are part of its topology from the
        # first connection on (and after every reconnect), before it may publish.
        await bus.declare(registered_bindings())
        await bus.start(())
        await relay.start()
        await purge.start()
        async with _health(*health, service.name, db, bus):
            log.info("relay started", extra={"service": service.name})
            await stopping.wait()
    finally:
        await purge.stop()
        await relay.stop()
        await bus.close()
        await db.dispose()
        log.info("relay stopped", extra={"service": service.name})


async def run_consumers(
    service: ServiceProcesses,
    settings: BaseServiceSettings,
    *,
    health: tuple[str, int | None] = ("127.0.0.1", None),
) -> None:
    """Consume the service's queue until SIGTERM or SIGINT."""
    stopping = _stop_on_signals()
    db = service_database(settings)
    bus = make_bus(settings, f"{service.name}-consume")
    try:
        await bus.start(service.subscriptions(db))
        async with AsyncExitStack() as stack:
            if service.background is not None:
                await stack.enter_async_context(service.background(settings, db))
            await stack.enter_async_context(_health(*health, service.name, db, bus))
            log.info("consumers started", extra={"service": service.name})
            await stopping.wait()
    finally:
        await bus.close()
        await db.dispose()
        log.info("consumers stopped", extra={"service": service.name})


def _stop_on_signals() -> asyncio.Event:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    return stopping


@contextlib.asynccontextmanager
async def _health(
    host: str, port: int | None, name: str, db: Database, bus: Bus
) -> AsyncIterator[None]:
    """While the body runs, answer every HTTP request on host:port with the process's
    readiness, the same JSON as an API's /ready (for a container's health check)."""
    if port is None:
        yield
        return

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(HEALTH_REQUEST_TIMEOUT):
                await reader.readuntil(b"\r\n\r\n")  # whatever was asked, the answer is one
                checks = await readiness(name, db, bus)
                ok = all(checks.values())
                body = json.dumps(
                    {"status": "ready" if ok else "unavailable", "checks": checks}
                ).encode()
                status = "200 OK" if ok else "503 Service Unavailable"
                writer.write(
                    f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\n"
                    f"content-length: {len(body)}\r\nconnection: close\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass  # a client that went away or sent no request gets nothing
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    server = await asyncio.start_server(answer, host, port)
    try:
        yield
    finally:
        server.close()
        await server.wait_closed()
