"""The distributed mode on one machine: each service its own uvicorn process, its own
database, RabbitMQ, and nginx as the gateway in front (one base URL)."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from embedded.services import SERVICE_NAMES as SERVICES

# The main context around deploy/nginx/school.conf, as the nginx image's own nginx.conf
# puts it (there the file is conf.d/default.conf inside `http`), with every path that nginx
# writes inside the cluster's work directory.
NGINX_TEMPLATE = """
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    default_type application/octet-stream;
    client_body_temp_path {workdir}/client_body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
{gateway}
}}
"""

GATEWAY_CONF = Path(__file__).resolve().parents[3] / "nginx" / "school.conf"
# `server <service>:8000;` in an upstream block, and the server's `listen 8080;`.
_UPSTREAM_SERVER = re.compile(r"\bserver (\w+):8000;")
_LISTEN = re.compile(r"^(\s*)listen 8080;$", re.MULTILINE)


def nginx_binary() -> str | None:
    """The nginx executable, if this machine has one."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def render_nginx(workdir: Path, port: int, service_ports: Mapping[str, int]) -> str:
    """deploy/nginx/school.conf itself, its upstreams pointed at local ports and its server
    listening on 127.0.0.1:<port>: the gateway of docker-compose.yml, rule for rule."""
    conf = GATEWAY_CONF.read_text()
    named = set(_UPSTREAM_SERVER.findall(conf))
    if named != set(service_ports):
        raise ValueError(f"{GATEWAY_CONF} routes {sorted(named)}, not {sorted(service_ports)}")
    conf = _UPSTREAM_SERVER.sub(lambda m: f"server 127.0.0.1:{service_ports[m[1]]};", conf)
    conf, listens = _LISTEN.subn(lambda m: f"{m[1]}listen 127.0.0.1:{port};", conf)
    if listens != 1:
        raise ValueError(f"{GATEWAY_CONF} must have exactly one `listen 8080;`")
    gateway = "\n".join("    " + line if line else line for line in conf.splitlines())
    return NGINX_TEMPLATE.format(workdir=workdir, gateway=gateway)


@dataclass
class Cluster:
    workdir: Path
    database_urls: Mapping[str, str]
    amqp_url: str
    ports: dict[str, int] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    gateway_port: int = 0
    nginx: subprocess.Popen[bytes] | None = None
    # Extra environment for every service (e.g. "AUTH_ACCESS_TOKEN_TTL": "3600").
    settings: Mapping[str, str] = field(default_factory=dict)
    # uvicorn worker processes per service (default one).
    workers: Mapping[str, int] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    def env(self, service: str) -> dict[str, str]:
        prefix = service.upper() + "_"
        env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
        env.update(
            {
                prefix + "DATABASE_URL": self.database_urls[service],
                prefix + "AMQP_URL": self.amqp_url,
                prefix
                + "JWKS_URL": f"http://127.0.0.1:{self.ports['auth']}/api/auth/.well-known/jwks.json",
                prefix + "RELAY_POLL_INTERVAL": "1.0",
                prefix + "LOG_LEVEL": "WARNING",
            }
        )
        env.update(self.settings)
        return env

    def migrate(self) -> None:
        for service in SERVICES:
            subprocess.run(
                [sys.executable, "-m", "shared.migrate", service],
                env=self.env(service),
                check=True,
                capture_output=True,
                timeout=120,
            )

    def start(self) -> None:
        self.ports = {service: free_port() for service in SERVICES}
        self.migrate()
        for service in SERVICES:
            self.start_service(service)
        self.gateway_port = free_port()
        self.start_nginx()
        self.wait_ready()

    def start_service(self, service: str) -> None:
        log = open(self.workdir / f"{service}.log", "ab")  # noqa: SIM115 - lives with the process
        self.processes[service] = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                f"{service}.main:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.ports[service]),
                "--no-access-log",
                "--workers",
                str(self.workers.get(service, 1)),
            ],
            env=self.env(service),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.workdir,
        )

    def kill(self, service: str) -> None:
        """Crash a service: SIGKILL, no shutdown of any kind."""
        process = self.processes[service]
        process.kill()
        process.wait(timeout=15)

    def restart(self, service: str) -> None:
        """Start a crashed service again on its port and wait until it is ready."""
        self.start_service(service)
        self.wait_ready()

    def start_nginx(self) -> None:
        nginx = nginx_binary() or "nginx"
        conf = self.workdir / "nginx.conf"
        conf.write_text(render_nginx(self.workdir, self.gateway_port, self.ports))
        self.nginx = subprocess.Popen(
            [nginx, "-c", str(conf), "-p", str(self.workdir), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=open(self.workdir / "nginx.out", "ab"),  # noqa: SIM115
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        pending = set(SERVICES)
        while pending:
            for service in list(pending):
                proc = self.processes[service]
                if proc.poll() is not None:
                    raise RuntimeError(f"{service} exited: {self.log_tail(service)}")
                try:
                    r = httpx.get(f"{self.base_url}/api/{service}/ready", timeout=2)
                    if r.status_code == 200:
                        pending.discard(service)
                except httpx.HTTPError:
                    pass
            if pending and time.monotonic() > deadline:
                raise RuntimeError(f"not ready: {sorted(pending)}")
            time.sleep(0.2)

    def log_tail(self, service: str, lines: int = 30) -> str:
        path = self.workdir / f"{service}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        for proc in [*self.processes.values(), self.nginx]:
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in [*self.processes.values(), self.nginx]:
            if proc is not None:
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
