"""Embedded mode: all five services in one process on one port.

    school [--host 127.0.0.1] [--port 8000] [--data-dir var/embedded] [--no-seed]

Each service gets its own database in an embedded PostgreSQL (pgserver) unless
<SERVICE>_DATABASE_URL is set, and the durable PostgreSQL bus (shared.bus.postgres, on a
database `school_bus` of the embedded PostgreSQL, or SCHOOL_BUS_DATABASE_URL) unless
<SERVICE>_AMQP_URL is set.
"""

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import threading
import warnings
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path

import asyncpg
import uvicorn
from fastapi import FastAPI

from embedded.gateway import Gateway
from embedded.seed import DEMO_LOGINS, fill_this_week, seed_demo_school
from embedded.services import ServiceModule, all_services
from shared.bus.postgres import PostgresBroker, PostgresBus
from shared.db import Database
from shared.logging import configure_logging
from shared.migrations import upgrade

log = logging.getLogger("embedded")

BUS = "bus"  # the broker database's key among the database URLs


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="school", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=os.environ.get("SCHOOL_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("SCHOOL_PORT", "8000")))
    parser.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("SCHOOL_DATA_DIR", "var/embedded"))
    )
    parser.add_argument("--no-seed", action="store_true", help="do not create the demo school")
    return parser.parse_args(argv)


@contextlib.asynccontextmanager
async def service_databases(
    services: list[ServiceModule], data_dir: Path, *, bus: bool = False
) -> AsyncIterator[dict[str, str]]:
    """Each service's database URL: from <SERVICE>_DATABASE_URL, else a database of its own
    in the embedded PostgreSQL, which is started here and stopped on the way out; with
    `bus`, also the broker database's under BUS (SCHOOL_BUS_DATABASE_URL, else its own)."""
    urls = {s.name: url for s in services if (url := s.env("database_url"))}
    if bus and (bus_url := os.environ.get("SCHOOL_BUS_DATABASE_URL")):
        urls[BUS] = bus_url
    wanted = [s.name for s in services] + ([BUS] if bus else [])
    missing = [name for name in wanted if name not in urls]
    if not missing:
        yield urls
        return
    # platformdirs warns when XDG_RUNTIME_DIR is unset (root shells, CI); it is harmless here.
    warnings.filterwarnings("ignore", module="platformdirs")
    from pgserver.postgres_server import get_server

    pg_dir = await asyncio.to_thread(_prepare, data_dir)
    await asyncio.to_thread(_forget_killed_holders, pg_dir)
    server = await asyncio.to_thread(get_server, pg_dir, cleanup_mode="stop")
    try:
        socket_dir = str(pg_dir)
        admin = await asyncpg.connect(user="postgres", host=socket_dir, database="postgres")
        try:
            rows = await admin.fetch("SELECT datname FROM pg_database")
            existing = {r["datname"] for r in rows}
            for missing_name in missing:
                name = f"school_{missing_name}"
                if name not in existing:
                    await admin.execute(f'CREATE DATABASE "{name}"')
                urls[missing_name] = f"postgresql+asyncpg://postgres@/{name}?host={socket_dir}"
        finally:
            await admin.close()
        yield urls
    finally:
        # Explicitly: uvicorn re-raises SIGTERM after its shutdown, so atexit never runs.
        await asyncio.to_thread(server.cleanup)


class Server(uvicorn.Server):
    """uvicorn's server, shutting down gracefully on SIGINT and SIGTERM without re-raising
    the signal afterwards (as uvicorn does), so that the embedded PostgreSQL is stopped on
    the way out instead of being left running."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        signals = (signal.SIGINT, signal.SIGTERM)
        original = {sig: signal.signal(sig, self.handle_exit) for sig in signals}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)


def _prepare(data_dir: Path) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    return data_dir.resolve() / "pg"


def _forget_killed_holders(pg_dir: Path) -> None:
    """pgserver stops its server when the last process holding it lets go, and keeps the
    holders' pids in <pgdata>/.handle_pids.json. A holder killed (SIGKILL, a power cut)
    stays listed, and the server would then never be stopped again: forget those gone."""
    holders = pg_dir / ".handle_pids.json"
    try:
        pids = json.loads(holders.read_text())
    except (FileNotFoundError, ValueError):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and _is_running(pid)]
    if alive != pids:
        holders.write_text(json.dumps(alive))


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def uses_the_postgres_bus(service: ServiceModule) -> bool:
    return not service.env("amqp_url")


async def declare_queues(
    bus: PostgresBus, services: Sequence[ServiceModule], urls: dict[str, str]
) -> None:
    """Every service's queues and bindings, before any relay publishes: the services start
    one after another, and journal's relay runs before messaging consumes, so an event
    routed to queues not declared yet would reach only some of its consumers."""
    bindings: dict[str, list[str]] = {}
    for service in services:
        db = Database(urls[service.name])  # the handlers are not run: no connection is made
        try:
            for subscription in service.subscriptions(db):
                bindings.setdefault(subscription.queue, []).extend(subscription.routing_keys)
        finally:
            await db.dispose()
    await bus.declare(bindings)


def build(
    args: argparse.Namespace,
    services: list[ServiceModule],
    urls: dict[str, str],
    broker: PostgresBroker | None,
) -> Gateway:
    jwks_url = f"http://127.0.0.1:{args.port}/api/auth/.well-known/jwks.json"
    apps: dict[str, FastAPI] = {}
    for service in services:
        overrides: dict[str, object] = {"database_url": urls[service.name]}
        if not service.env("log_level"):
            overrides["log_level"] = os.environ.get("SCHOOL_LOG_LEVEL", "WARNING")
        if not service.env("jwks_url"):
            overrides["jwks_url"] = jwks_url
        settings = service.settings(**overrides)
        bus = None if settings.amqp_url or broker is None else PostgresBus(broker)
        apps[service.name] = service.create_app(settings, bus=bus)
    return Gateway(apps)


async def run(args: argparse.Namespace) -> None:
    configure_logging(os.environ.get("SCHOOL_LOG_LEVEL", "WARNING"))
    print("Запуск электронного журнала (встроенный режим)...", file=sys.stderr, flush=True)
    services = all_services()
    on_the_bus = [s for s in services if uses_the_postgres_bus(s)]
    broker: PostgresBroker | None = None
    async with service_databases(services, args.data_dir, bus=bool(on_the_bus)) as urls:
        bus_url = urls.pop(BUS, None)
        for service in services:
            await upgrade(service.migrations, urls[service.name])
        if not args.no_seed:
            await seed_demo_school(urls)
        if bus_url is not None:
            broker = PostgresBroker(bus_url)
            await broker.open()
            await declare_queues(PostgresBus(broker), on_the_bus, urls)
        gateway = build(args, services, urls, broker)
        server = Server(
            uvicorn.Config(gateway, host=args.host, port=args.port, lifespan="on", log_config=None)
        )
        serving = asyncio.create_task(server.serve())
        try:
            while not server.started and not serving.done():  # noqa: ASYNC110 - no event
                await asyncio.sleep(0.05)
            if not serving.done():
                base_url = f"http://{args.host}:{args.port}"
                if not args.no_seed:
                    await fill_this_week(base_url)
                print(banner(base_url), flush=True)
            await serving
        finally:
            if not serving.done():  # the seed failed: shut the server down in order
                server.should_exit = True
                await serving
            if broker is not None:
                await broker.close()


def banner(base_url: str) -> str:
    lines = [
        "",
        f"Электронный журнал работает: {base_url}",
        f"API: {base_url}/api/<service>/docs (auth, journal, messaging, reporting, archive)",
        "Демо-школа, учётные записи (логин / пароль):",
    ]
    lines += [f"  {role:<26} {login} / {password}" for role, login, password in DEMO_LOGINS]
    lines.append("Остановить: Ctrl+C")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
