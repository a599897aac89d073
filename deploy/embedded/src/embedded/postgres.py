"""The embedded PostgreSQL (pgserver) that keeps its data in `<data-dir>/pg`: started,
reached through the socket it really listens on, its databases made or made anew, stopped.

pgserver puts the socket in the data directory only when that path fits a Unix socket
address (108 bytes on Linux, 104 on macOS); otherwise it picks a short directory under the
user's runtime directory. The one place that says where it went is the fifth line of
`postmaster.pid`, which pgserver parses for us; every connection goes there.
"""

import asyncio
import json
import os
import warnings
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from sqlalchemy.engine import URL


class EmbeddedPostgres:
    def __init__(self, host: str, port: int | None) -> None:
        self.host = host
        self.port = port

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of one database; the socket directory is escaped, since a
        checkout path may hold spaces or `&`."""
        query = {"host": self.host} if self.port is None else {}
        url = URL.create(
            "postgresql+asyncpg",
            username="postgres",
            host=None if self.port is None else self.host,
            port=self.port,
            database=database,
            query=query,
        )
        return url.render_as_string(hide_password=False)

    async def connect(self, database: str = "postgres") -> asyncpg.Connection:
        return await asyncpg.connect(
            user="postgres", host=self.host, port=self.port, database=database
        )

    @asynccontextmanager
    async def admin(self) -> AsyncIterator[asyncpg.Connection]:
        conn = await self.connect()
        try:
            yield conn
        finally:
            await conn.close()

    async def create_missing(self, names: Iterable[str]) -> None:
        async with self.admin() as admin:
            existing = {r["datname"] for r in await admin.fetch("SELECT datname FROM pg_database")}
            for name in names:
                if name not in existing:
                    await admin.execute(f'CREATE DATABASE "{name}"')

    async def recreate(self, names: Iterable[str]) -> None:
        """Drop and create the databases: what an interrupted first start left is thrown
        away whole. FORCE: a launcher killed outright may leave its sessions behind."""
        async with self.admin() as admin:
            for name in names:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await admin.execute(f'CREATE DATABASE "{name}"')

    # The launcher's own record of the demo seed, one row in the cluster's maintenance
    # database (no service's schema is touched): see embedded.seed for its states.
    async def seed_state(self) -> str | None:
        async with self.admin() as admin:
            if await admin.fetchval("SELECT to_regclass('school_demo_seed') IS NULL"):
                return None
            state: str | None = await admin.fetchval("SELECT state FROM school_demo_seed")
            return state

    async def mark_seed(self, state: str) -> None:
        async with self.admin() as admin, admin.transaction():
            await admin.execute(
                "CREATE TABLE IF NOT EXISTS school_demo_seed ("
                " one boolean PRIMARY KEY DEFAULT true CHECK (one),"
                " state text NOT NULL,"
                " changed_at timestamptz NOT NULL DEFAULT now())"
            )
            await admin.execute(
                "INSERT INTO school_demo_seed (state) VALUES ($1)"
                " ON CONFLICT (one) DO UPDATE SET state = excluded.state, changed_at = now()",
                state,
            )


@asynccontextmanager
async def embedded_postgres(data_dir: Path) -> AsyncIterator[EmbeddedPostgres]:
    """pgserver started on `<data-dir>/pg` (made on the first start), stopped on the way out."""
    # platformdirs warns when XDG_RUNTIME_DIR is unset (root shells, CI); it is harmless here.
    warnings.filterwarnings("ignore", module="platformdirs")
    import fasteners
    from pgserver.postgres_server import PostgresServer, get_server

    pg_dir = await asyncio.to_thread(_prepare, data_dir)
    # pgserver serialises every start and stop on the machine behind one lock file (in the
    # user's runtime directory), held across initdb, `pg_ctl start` and `pg_ctl -w stop`:
    # a launcher's shutdown then waits for other data directories' servers to start or
    # stop. Its servers and handle lists are per data directory, which the launcher holds
    # alone (embedded.lock), so the lock is made the data directory's own.
    PostgresServer._lock = fasteners.InterProcessLock(pg_dir.parent / "pg.lock")
    server = await asyncio.to_thread(get_server, pg_dir, cleanup_mode="stop")
    try:
        info = server.get_postmaster_info()
        if info.socket_dir is not None:
            yield EmbeddedPostgres(str(info.socket_dir), None)
        else:  # Windows: pgserver listens on a TCP port instead
            yield EmbeddedPostgres(info.hostname, info.port)
    finally:
        # Explicitly: uvicorn re-raises SIGTERM after its shutdown, so atexit never runs.
        await asyncio.to_thread(server.cleanup)


def _prepare(data_dir: Path) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    pg_dir = data_dir.resolve() / "pg"
    _forget_dead_handles(pg_dir)
    return pg_dir


def _forget_dead_handles(pg_dir: Path) -> None:
    """pgserver stops PostgreSQL when the last process holding it exits, counting holders in
    `.handle_pids.json`. A launcher killed outright never takes its pid out, so every later
    start would leave PostgreSQL running on exit; pids of processes gone are dropped first.
    Anything else in the file is left as it is for pgserver to read."""
    handles = pg_dir / ".handle_pids.json"
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        return
    if isinstance(pids, list) and all(isinstance(p, int) for p in pids):
        alive = [p for p in pids if _running(p)]
        if alive != pids:
            handles.write_text(json.dumps(alive))


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True
