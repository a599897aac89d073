"""The stage every scenario runs on: fresh databases filled by the generator, a fresh
RabbitMQ vhost, and the distributed mode (each service's API, relay and consumer
processes, the APIs behind nginx)."""

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import asyncpg
import httpx

from bench import bare
from cluster import Cluster, free_port, nginx_binary, render_nginx
from datagen import Generated, GeneratedSchool, generate
from embedded.services import SERVICE_NAMES as SERVICES
from embedded.services import load
from shared.db import asyncpg_dsn
from shared.migrations import upgrade
from shared.testing import create_database, drop_database, unique_name, with_database
from shared.testing_rabbit import find_admin, unique_prefix, unreachable_reason, with_vhost

PASSWORD = "bench-2026"
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_URL = os.environ.get("BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


class BareHttp:
    """bench.bare as its own uvicorn process, started as the services are, behind an nginx
    of its own rendered as the distributed mode's gateway (deploy/cluster)."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.workdir = Path(tempfile.mkdtemp(prefix="bench-bare-"))
        self.port, self.gateway_port = free_port(), free_port()
        self.processes: list[subprocess.Popen[bytes]] = []
        self.log = open(self.workdir / "bare.log", "ab")  # noqa: SIM115 - closed by stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def pid(self) -> int:
        return self.processes[0].pid

    def start(self, within: float = 60.0) -> None:
        log = self.log
        uvicorn = ["uvicorn", "bench.bare:app", "--host", "127.0.0.1", "--port", str(self.port)]
        self.processes.append(
            subprocess.Popen(
                [sys.executable, "-m", *uvicorn, "--no-access-log"],
                env={**os.environ, bare.DSN_VARIABLE: self.dsn},
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
            )
        )
        conf = self.workdir / "nginx.conf"
        # The distributed mode's gateway with every upstream pointed at the bare app.
        upstreams = dict.fromkeys(SERVICES, self.port)
        conf.write_text(render_nginx(self.workdir, self.gateway_port, upstreams))
        nginx = [nginx_binary() or "nginx", "-c", str(conf), "-p", str(self.workdir)]
        self.processes.append(
            subprocess.Popen([*nginx, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=log)
        )
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.processes[0].poll() is not None:
                tail = (self.workdir / "bare.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"the bare HTTP ceiling exited: {tail}")
            try:
                if httpx.get(f"{self.base_url}{bare.PREFIX}/health", timeout=2).is_success:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the bare HTTP ceiling did not start")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        self.log.close()
        shutil.rmtree(self.workdir, ignore_errors=True)


@dataclass
class Stage:
    cluster: Cluster
    database_urls: Mapping[str, str]  # SQLAlchemy URLs, one database per service
    amqp_url: str
    generated: Generated
    http: aiohttp.ClientSession
    pools: dict[tuple[str, int], asyncpg.Pool] = field(default_factory=dict)
    # Rates one scenario found that a later one builds on ("posting": the highest mark
    # rate with p99 < 100 ms, which the lag scenario offers a share of).
    found_rates: dict[str, float] = field(default_factory=dict)

    @property
    def school(self) -> GeneratedSchool:
        return self.generated.first

    @property
    def base_url(self) -> str:
        base_url: str = self.cluster.base_url
        return base_url

    async def pool(self, service: str, size: int = 2) -> asyncpg.Pool:
        """A raw asyncpg pool on a service's database: for a ceiling, as many connections
        as the service's own pool; for reading results, a couple."""
        # By size too: a ceiling's pool must not be the small one results were read with.
        key = (service, size)
        if key not in self.pools:
            self.pools[key] = await asyncpg.create_pool(
                asyncpg_dsn(self.database_urls[service]), min_size=size, max_size=size
            )
        return self.pools[key]

    async def login(self, login: str) -> str:
        """An access token, got the way every client gets one: POST /api/auth/login."""
        async with self.http.post(
            f"{self.base_url}/api/auth/login", json={"login": login, "password": PASSWORD}
        ) as response:
            body: dict[str, Any] = await response.json()
            if response.status != 200:
                raise RuntimeError(f"login {login} failed: {response.status} {body}")
            token: str = body["access_token"]
            return token

    async def logins(self, logins: list[str]) -> list[str]:
        # A few at a time: each login is an argon2id verification in auth.
        semaphore = asyncio.Semaphore(4)

        async def one(login: str) -> str:
            async with semaphore:
                return await self.login(login)

        return list(await asyncio.gather(*(one(login) for login in logins)))

    async def settle(self, quiet_for: float = 2.0, within: float = 300.0) -> None:
        """Wait until the events of the scenario before have been published and consumed:
        nothing left in journal's outbox and no consumer has recorded anything for a while
        (so that one scenario's backlog does not load the next)."""
        journal = await self.pool("journal")
        consumers = [await self.pool(s) for s in ("messaging", "reporting", "archive")]
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            waiting = await journal.fetchval(
                "SELECT count(*) FROM outbox WHERE published_at IS NULL"
            )
            idle = [
                await pool.fetchval(
                    "SELECT coalesce(extract(epoch FROM now() - max(received_at)), 1e9) FROM inbox"
                )
                for pool in consumers
            ]
            if waiting == 0 and min(idle) >= quiet_for:
                return
            await asyncio.sleep(0.5)
        print("bench: warning: the services did not settle; the next figures carry a backlog")

    def service_pids(self) -> dict[str, int]:
        """Every service process by name (`journal-api`, `journal-relay`, ...)."""
        return {name: process.pid for name, process in self.cluster.processes.items()}

    @asynccontextmanager
    async def bare_http(self) -> AsyncIterator["BareHttp"]:
        """The bare HTTP ceiling (bench.bare) on journal's database, running until the
        block ends."""
        server = BareHttp(asyncpg_dsn(self.database_urls["journal"]))
        try:
            await asyncio.to_thread(server.start)
            yield server
        finally:
            await asyncio.to_thread(server.stop)

    def restart(self, service: str, kind: str = "api") -> None:
        """Stop a service's processes of one kind gracefully and start them again (cold)."""
        for name in self.cluster.names(service, kind):
            process = self.cluster.processes[name]
            process.terminate()
            process.wait(timeout=30)
        self.cluster.restart(service, kind)


@asynccontextmanager
async def databases(keep: bool) -> AsyncIterator[dict[str, str]]:
    """One fresh, migrated database per service, dropped afterwards unless `keep`."""
    names = {service: unique_name(f"bench_{service}") for service in SERVICES}
    urls = {service: with_database(PG_URL, name) for service, name in names.items()}
    try:
        for service, name in names.items():
            await create_database(PG_URL, name)
            await upgrade(load(service).migrations, urls[service])
        yield urls
    finally:
        if not keep:
            for name in names.values():
                await drop_database(PG_URL, name)


@asynccontextmanager
async def vhost() -> AsyncIterator[str]:
    """A RabbitMQ vhost of the run's own, deleted afterwards."""
    reason = await unreachable_reason(AMQP_URL)
    if reason is not None:
        raise SystemExit(f"bench: {reason}; the benchmarks run over a real RabbitMQ")
    admin = await find_admin(AMQP_URL)
    if admin is None:
        raise SystemExit("bench: no RabbitMQ admin (management API or rabbitmqctl) to make a vhost")
    name = unique_prefix("bench")
    await admin.create_vhost(name, urlsplit(AMQP_URL).username or "guest")
    try:
        yield with_vhost(AMQP_URL, name)
    finally:
        await admin.delete_vhost(name)


@asynccontextmanager
async def stage(
    *,
    scale: float,
    schools: int,
    seed: int,
    workers: Mapping[str, int],
    replicas: Mapping[str, int] | None = None,
    keep: bool = False,
) -> AsyncIterator[Stage]:
    """Generate the data, start the distributed mode on it, and take it all down after."""
    if nginx_binary() is None:
        raise SystemExit("bench: nginx is needed (the gateway of the distributed mode)")
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    async with databases(keep) as urls, vhost() as amqp_url:
        print(f"bench: generating {schools} school(s) at scale {scale} (seed {seed})", flush=True)
        generated = await generate(urls, seed=seed, scale=scale, schools=schools, password=PASSWORD)
        print(f"bench: generated {dict(generated.counts)} in {generated.seconds:.1f} s", flush=True)
        cluster = Cluster(
            workdir,
            urls,
            amqp_url,
            settings={"AUTH_ACCESS_TOKEN_TTL": "3600", "AUTH_LOGIN_MAX_DELAY": "0"},
            workers=workers,
            replicas=replicas or {},
        )
        connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=60)
        http = aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60))
        on = Stage(cluster, urls, amqp_url, generated, http)
        try:
            await asyncio.to_thread(cluster.start)
            yield on
        except BaseException:
            for service in SERVICES:
                print(f"--- {service} log ---\n{cluster.log_tail(service)}")
            raise
        finally:
            for pool in on.pools.values():
                await pool.close()
            await http.close()
            await asyncio.to_thread(cluster.stop)
            shutil.rmtree(workdir, ignore_errors=True)
