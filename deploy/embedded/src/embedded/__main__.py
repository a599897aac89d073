"""Embedded mode: all five services in one process on one port.

    school [--host 127.0.0.1] [--port 8000] [--data-dir var/embedded] [--no-seed] [--no-web]
           [--backup-dir DIR]
    school backup|restore [--data-dir var/embedded] [--backup-dir DIR]   (embedded.backup)

Each service gets its own database in an embedded PostgreSQL (pgserver) unless
<SERVICE>_DATABASE_URL is set, and the durable PostgreSQL bus (shared.bus.postgres, on a
database `school_bus` of the embedded PostgreSQL, or SCHOOL_BUS_DATABASE_URL) unless
<SERVICE>_AMQP_URL is set. The web client (web/) is built first when its sources changed
since its last build (embedded.webclient) and served at `/`.
"""

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

import uvicorn
from fastapi import FastAPI

from embedded import backup
from embedded.archive_client import archive_settings
from embedded.gateway import Gateway
from embedded.listening import listen
from embedded.lock import hold_data_dir
from embedded.postgres import EmbeddedPostgres, embedded_postgres
from embedded.problems import StartupProblem
from embedded.seed import (
    DEMO_LOGINS,
    fill_this_week,
    seed_demo_school,
    start_over_if_interrupted,
)
from embedded.services import ServiceModule, all_services
from embedded.webclient import WEB_DIR, ensure_built
from shared.bus.postgres import PostgresBroker, PostgresBus
from shared.logging import configure_logging
from shared.migrations import upgrade

log = logging.getLogger("embedded")

BUS_DATABASE = "school_bus"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="school", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=os.environ.get("SCHOOL_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("SCHOOL_PORT", "8000")))
    parser.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("SCHOOL_DATA_DIR", "var/embedded"))
    )
    parser.add_argument("--no-seed", action="store_true", help="do not create the demo school")
    parser.add_argument(
        "--backup-dir",
        type=Path,
        default=backup.backup_dir_from_env(),
        help="stream every change into this directory (embedded.backup); SCHOOL_BACKUP_DIR",
    )
    parser.add_argument(
        "--no-web",
        action="store_true",
        default=os.environ.get("SCHOOL_NO_WEB") == "1",
        help="neither build nor serve the web client (the API only)",
    )
    return parser.parse_args(argv)


def web_client(args: argparse.Namespace) -> Path | None:
    """web/dist, built if its sources changed; None with --no-web or without web/."""
    if args.no_web or not (WEB_DIR / "package.json").exists():
        return None
    try:
        return ensure_built(WEB_DIR)
    except (subprocess.CalledProcessError, OSError) as error:
        raise StartupProblem(
            f"the web client could not be built ({error}); see the output above, "
            "or start with --no-web for the API alone"
        ) from error


class ServiceDatabases(NamedTuple):
    urls: dict[str, str]
    # The embedded PostgreSQL when it holds every service's database: only then may the
    # launcher record the demo seed there and make the databases anew.
    embedded: EmbeddedPostgres | None
    # The PostgreSQL bus's database, when a service uses that bus.
    bus_url: str | None = None


def database_name(service: ServiceModule) -> str:
    return f"school_{service.name}"


@contextlib.asynccontextmanager
async def service_databases(
    services: list[ServiceModule], data_dir: Path, *, bus: bool = False
) -> AsyncIterator[ServiceDatabases]:
    """Each service's database URL: from <SERVICE>_DATABASE_URL, else a database of its own
    in the embedded PostgreSQL, which is started here and stopped on the way out; with
    `bus`, also the bus's (SCHOOL_BUS_DATABASE_URL, else `school_bus` there)."""
    urls = {s.name: url for s in services if (url := s.env("database_url"))}
    bus_url = os.environ.get("SCHOOL_BUS_DATABASE_URL") if bus else None
    bus_embedded = bus and not bus_url
    missing = [s for s in services if s.name not in urls]
    if not missing and not bus_embedded:
        yield ServiceDatabases(urls, None, bus_url)
        return
    async with embedded_postgres(data_dir) as postgres:
        names = [database_name(s) for s in missing]
        await postgres.create_missing([*names, BUS_DATABASE] if bus_embedded else names)
        for service in missing:
            urls[service.name] = postgres.url(database_name(service))
        if bus_embedded:
            bus_url = postgres.url(BUS_DATABASE)
        yield ServiceDatabases(urls, postgres if len(missing) == len(services) else None, bus_url)


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


def uses_the_postgres_bus(service: ServiceModule) -> bool:
    return not service.env("amqp_url")


async def declare_queues(bus: PostgresBus, services: Sequence[ServiceModule]) -> None:
    """Every service's queues and bindings, before any relay publishes: the services start
    one after another, and journal's relay runs before messaging consumes, so an event
    routed to queues not declared yet would reach only some of its consumers."""
    bindings: dict[str, list[str]] = {}
    for service in services:
        for queue, routing_keys in service.bindings.items():
            bindings.setdefault(queue, []).extend(routing_keys)
    await bus.declare(bindings)


def build(
    args: argparse.Namespace,
    services: list[ServiceModule],
    urls: dict[str, str],
    broker: PostgresBroker | None,
    extra: dict[str, dict[str, object]] | None = None,
) -> Gateway:
    jwks_url = f"http://127.0.0.1:{args.port}/api/auth/.well-known/jwks.json"
    apps: dict[str, FastAPI] = {}
    for service in services:
        overrides: dict[str, object] = {
            "database_url": urls[service.name],
            **(extra or {}).get(service.name, {}),
        }
        if not service.env("log_level"):
            overrides["log_level"] = os.environ.get("SCHOOL_LOG_LEVEL", "WARNING")
        if not service.env("jwks_url"):
            overrides["jwks_url"] = jwks_url
        settings = service.settings(**overrides)
        bus = None if settings.amqp_url or broker is None else PostgresBus(broker)
        apps[service.name] = service.create_app(settings, bus=bus)
    return Gateway(apps, getattr(args, "web_dist", None))


async def run(args: argparse.Namespace, listening: socket.socket) -> None:
    configure_logging(os.environ.get("SCHOOL_LOG_LEVEL", "WARNING"))
    print("Запуск электронного журнала (встроенный режим)...", file=sys.stderr, flush=True)
    services = all_services()
    on_the_bus = [s for s in services if uses_the_postgres_bus(s)]
    async with service_databases(services, args.data_dir, bus=bool(on_the_bus)) as databases:
        urls = databases.urls
        if not args.no_seed and databases.embedded is not None:
            names = [database_name(s) for s in services]
            if databases.bus_url == databases.embedded.url(BUS_DATABASE):
                names.append(BUS_DATABASE)  # its queues hold what the half-seeded ones sent
            await start_over_if_interrupted(databases.embedded, names)
        for service in services:
            await upgrade(service.migrations, urls[service.name])
        if not args.no_seed:
            await seed_demo_school(urls, databases.embedded)
        async with backups_while_running(args, databases.embedded):
            await serve(args, listening, services, databases, on_the_bus)


@contextlib.asynccontextmanager
async def backups_while_running(
    args: argparse.Namespace, postgres: EmbeddedPostgres | None
) -> AsyncIterator[None]:
    """With a backup directory, every change streamed there while the school runs, and a
    base backup taken first if there is none (embedded.backup)."""
    if args.backup_dir is None or postgres is None:
        if args.backup_dir is not None:
            print(
                "Резервные копии встроенного режима: только со встроенной PostgreSQL.",
                file=sys.stderr,
            )
        if postgres is not None:
            await backup.drop_slot(postgres)
        yield
        return
    backups = backup.BackupDir(args.backup_dir)
    async with backup.streaming(postgres, backups):
        if backups.latest() is None:
            print("Резервная копия: снимается базовая копия...", file=sys.stderr, flush=True)
            await asyncio.to_thread(backup.take_base_backup, postgres, args.data_dir, backups)
        yield


async def serve(
    args: argparse.Namespace,
    listening: socket.socket,
    services: list[ServiceModule],
    databases: ServiceDatabases,
    on_the_bus: list[ServiceModule],
) -> None:
    broker: PostgresBroker | None = None
    if databases.bus_url is not None:
        broker = PostgresBroker(databases.bus_url)
        await broker.open()
        await declare_queues(PostgresBus(broker), on_the_bus)
    extra: dict[str, dict[str, object]] = {}
    names = {s.name: s for s in services}
    if "archive" in names and "auth" in names and not names["archive"].env("client_id"):
        extra["archive"] = await archive_settings(args.data_dir, databases.urls["auth"], args.port)
    gateway = build(args, services, databases.urls, broker, extra)
    server = Server(
        uvicorn.Config(gateway, host=args.host, port=args.port, lifespan="on", log_config=None)
    )
    serving = asyncio.create_task(server.serve(sockets=[listening]))
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
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("backup", "restore"):
        backup.main(argv[0], argv[1:])
        return
    args = parse_args(argv)
    try:
        listening = listen(args.host, args.port)
        args.web_dist = web_client(args)
        with hold_data_dir(args.data_dir), contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run(args, listening))
    except StartupProblem as problem:
        sys.exit(f"school: {problem}")


if __name__ == "__main__":
    main()
