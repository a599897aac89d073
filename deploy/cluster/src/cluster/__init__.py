"""The distributed mode on one machine: each service as its three kinds of process (API,
relay, consumers: `python -m <service> api|relay|consume`), its own database, RabbitMQ,
and nginx as the gateway in front of the APIs (one base URL)."""

import os
import re
import secrets
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
from shared.process import PROCESS_KINDS

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
# The built web client the gateway serves at / (python -m embedded.webclient build).
WEB_DIST = Path(__file__).resolve().parents[4] / "web" / "dist"
# `server <service>:8000;` in an upstream block, and the server's `listen 8080;`.
_UPSTREAM_SERVER = re.compile(r"\bserver (\w+):8000;")
_LISTEN = re.compile(r"^(\s*)listen 8080;$", re.MULTILINE)
_WEB_ROOT = re.compile(r"^(\s*)root /srv/school/web;$", re.MULTILINE)


def nginx_binary() -> str | None:
    """The nginx executable, if this machine has one."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None


# Ports handed out below Linux's ephemeral range (32768–60999 by default): a port the
# kernel picks for bind(0) comes from that range, where any outgoing connection of the
# fifteen processes may take it before the server it was meant for binds it.
_PORTS = range(20000, 32768)
_handed_out: set[int] = set()


def free_port() -> int:
    """A port on 127.0.0.1 free now, never handed out before by this process."""
    for _ in range(1000):
        port = _PORTS.start + secrets.randbelow(len(_PORTS))
        if port in _handed_out:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError("no free port on 127.0.0.1 below the ephemeral range")


def render_nginx(
    workdir: Path, port: int, service_ports: Mapping[str, int], web_root: Path = WEB_DIST
) -> str:
    """deploy/nginx/school.conf itself, its upstreams pointed at local ports, its server
    listening on 127.0.0.1:<port> and serving the web client from `web_root`: the gateway
    of docker-compose.yml, rule for rule."""
    conf = GATEWAY_CONF.read_text()
    named = set(_UPSTREAM_SERVER.findall(conf))
    if named != set(service_ports):
        raise ValueError(f"{GATEWAY_CONF} routes {sorted(named)}, not {sorted(service_ports)}")
    conf = _UPSTREAM_SERVER.sub(lambda m: f"server 127.0.0.1:{service_ports[m[1]]};", conf)
    conf, listens = _LISTEN.subn(lambda m: f"{m[1]}listen 127.0.0.1:{port};", conf)
    if listens != 1:
        raise ValueError(f"{GATEWAY_CONF} must have exactly one `listen 8080;`")
    conf, roots = _WEB_ROOT.subn(lambda m: f"{m[1]}root {web_root};", conf)
    if roots != 1:
        raise ValueError(f"{GATEWAY_CONF} must have exactly one `root /srv/school/web;`")
    gateway = "\n".join("    " + line if line else line for line in conf.splitlines())
    return NGINX_TEMPLATE.format(workdir=workdir, gateway=gateway)


# Fifteen Python processes start at once (about two CPU seconds of imports each), on a
# machine that may be busy with other work: give them time.
READY_TIMEOUT = 180.0


@dataclass(frozen=True)
class Process:
    """One running process of the cluster: a service's API, relay or consumers."""

    service: str
    kind: str  # one of PROCESS_KINDS
    replica: int = 1

    @property
    def name(self) -> str:
        """`journal-api`, `reporting-consume`, the second: `reporting-consume-2`."""
        base = f"{self.service}-{self.kind}"
        return base if self.replica == 1 else f"{base}-{self.replica}"


@dataclass
class Cluster:
    workdir: Path
    database_urls: Mapping[str, str]
    amqp_url: str
    ports: dict[str, int] = field(default_factory=dict)  # each service's API port
    # Every process by its name (Process.name), and what it is.
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    described: dict[str, Process] = field(default_factory=dict)
    health_ports: dict[str, int] = field(default_factory=dict)  # relays' and consumers'
    gateway_port: int = 0
    nginx: subprocess.Popen[bytes] | None = None
    # The built web client the gateway serves at /.
    web_root: Path = WEB_DIST
    # Extra environment for every service (e.g. "AUTH_ACCESS_TOKEN_TTL": "3600").
    settings: Mapping[str, str] = field(default_factory=dict)
    # uvicorn worker processes of a service's API (default one).
    workers: Mapping[str, int] = field(default_factory=dict)
    # How many of a kind of process run side by side, by "<service>-<kind>" (default one),
    # e.g. {"reporting-consume": 2}.
    replicas: Mapping[str, int] = field(default_factory=dict)

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
        """Start every process of a service: its API, relays and consumers."""
        for kind in PROCESS_KINDS:
            self.start_kind(service, kind)

    def start_kind(self, service: str, kind: str) -> list[str]:
        """Start a service's processes of one kind (as many as `replicas` asks)."""
        count = self.replicas.get(f"{service}-{kind}", 1)
        return [self.start_process(Process(service, kind, n)) for n in range(1, count + 1)]

    def start_process(self, process: Process) -> str:
        """Start one process (again, under the same name and ports); returns its name."""
        if process.kind not in PROCESS_KINDS:
            raise ValueError(f"no such kind of process: {process.kind!r}")
        command = [sys.executable, "-m", process.service, process.kind]
        if process.kind == "api":
            command += [
                "--host",
                "127.0.0.1",
                "--port",
                str(self.ports[process.service]),
                "--workers",
                str(self.workers.get(process.service, 1)),
            ]
        else:
            port = self.health_ports.setdefault(process.name, free_port())
            command += ["--health-port", str(port)]
        log = open(self.workdir / f"{process.name}.log", "ab")  # noqa: SIM115 - lives with the process
        self.processes[process.name] = subprocess.Popen(
            command,
            env=self.env(process.service),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.workdir,
        )
        self.described[process.name] = process
        return process.name

    def names(self, service: str, kind: str | None = None) -> list[str]:
        """The names of a service's processes, of one kind or all."""
        return [
            name
            for name, process in self.described.items()
            if process.service == service and kind in (None, process.kind)
        ]

    def kill(self, service: str, kind: str = "consume") -> None:
        """Crash a service's processes of one kind (its consumers unless told otherwise):
        SIGKILL, no shutdown of any kind."""
        for name in self.names(service, kind):
            process = self.processes[name]
            process.kill()
            process.wait(timeout=15)

    def restart(self, service: str, kind: str = "consume") -> None:
        """Start a service's crashed processes of one kind again and wait until they are
        ready (an API on its port, a relay or consumer answering its health port)."""
        for name in self.names(service, kind):
            self.start_process(self.described[name])
        self.wait_ready()

    def start_nginx(self) -> None:
        nginx = nginx_binary() or "nginx"
        conf = self.workdir / "nginx.conf"
        conf.write_text(render_nginx(self.workdir, self.gateway_port, self.ports, self.web_root))
        self.nginx = subprocess.Popen(
            [nginx, "-c", str(conf), "-p", str(self.workdir), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=open(self.workdir / "nginx.out", "ab"),  # noqa: SIM115
        )

    def ready_url(self, name: str) -> str:
        """Where a process answers whether it is ready: an API's /ready through the
        gateway, a relay's or consumer's health port."""
        process = self.described[name]
        if process.kind == "api":
            return f"{self.base_url}/api/{process.service}/ready"
        return f"http://127.0.0.1:{self.health_ports[name]}/"

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        pending = set(self.processes)
        while pending:
            for name in sorted(pending):
                if self.processes[name].poll() is not None:
                    raise RuntimeError(f"{name} exited: {self.log_tail(name)}")
                try:
                    if httpx.get(self.ready_url(name), timeout=2).status_code == 200:
                        pending.discard(name)
                except httpx.HTTPError:
                    pass
            if pending and time.monotonic() > deadline:
                raise RuntimeError(f"not ready: {sorted(pending)}")
            time.sleep(0.2)

    def log_tail(self, name: str, lines: int = 30) -> str:
        """The last lines of one process's log, or of each of a service's processes."""
        names = self.names(name) if name in SERVICES else [name]
        tails = []
        for each in names:
            path = self.workdir / f"{each}.log"
            if path.exists():
                tail = "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
                tails.append(f"[{each}]\n{tail}" if len(names) > 1 else tail)
        return "\n".join(tails)

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
