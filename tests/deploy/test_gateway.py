"""The gateway (deploy/nginx/school.conf, run by a real nginx as the cluster renders it):
whatever nginx answers by itself is problem+json, never an HTML page, and every answer
carries the security headers.

The services behind it are played by one small ASGI app on uvicorn (what the gateway does
does not depend on what the services do); messaging, reporting and archive point at a port
nobody listens on: a service that is down."""

import asyncio
import gzip
import http.client
import importlib
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
import yaml

from cluster import GATEWAY_CONF, WEB_DIST, Cluster, free_port, nginx_binary, render_nginx
from embedded.services import SERVICE_NAMES as SERVICES
from shared.process import command_line

ROOT = Path(__file__).resolve().parents[2]
PROBLEM_JSON = "application/problem+json"
RUNNING = ("auth", "journal")  # played by the stub; the others are down


async def stub_service(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answers like a service: 200 JSON, or its own 503 problem with its own Retry-After."""
    if scope["type"] != "http":
        return
    path: str = scope["path"]
    status, headers = 200, [(b"content-type", b"application/json")]
    body: dict[str, Any] = {"path": path}
    if path.endswith("/unavailable"):
        status = 503
        headers = [(b"content-type", PROBLEM_JSON.encode()), (b"retry-after", b"1")]
        body = {"type": "urn:school:problem:unavailable", "title": "Service unavailable"}
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": json.dumps(body).encode()})


@pytest.fixture(scope="module")
def nginx() -> str:
    binary = nginx_binary()
    if binary is None:
        if os.environ.get("REQUIRE_E2E") == "1":
            pytest.fail("end-to-end tests required but nginx is not installed")
        pytest.skip("nginx is not installed (the gateway of the distributed mode)")
    return binary


@pytest.fixture(scope="module")
def service_port() -> Iterator[int]:
    server = uvicorn.Server(
        uvicorn.Config(stub_service, host="127.0.0.1", port=free_port(), log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the stub service did not start"
        time.sleep(0.05)
    yield server.config.port
    server.should_exit = True
    thread.join(timeout=10)


def a_web_build() -> Path:
    """A build directory shaped like Vite's: index.html, a hashed asset, the service worker;
    outside pytest's directories (mode 0700), which nginx's workers (user nobody when
    started as root) could not read."""
    root = Path(tempfile.mkdtemp(prefix="school-web-"))
    root.chmod(0o755)
    (root / "assets").mkdir(mode=0o755)
    (root / "index.html").write_text("<!doctype html><title>Журнал</title>")
    (root / "assets" / "index-3f2a9c.js").write_text("console.log('app')")
    (root / "sw.js").write_text("self.addEventListener('fetch', () => {})")
    big = "console.log('большой модуль');\n" * 200
    (root / "assets" / "vendor-77aa01.js").write_text(big)
    (root / "assets" / "vendor-77aa01.js.gz").write_bytes(gzip.compress(big.encode()))
    return root


def start_gateway(workdir: Path, service_port: int) -> Cluster:
    """nginx as the cluster starts it, in front of the stub and of services that are down,
    serving a web build."""
    down = free_port()
    gateway = Cluster(workdir, {}, "", web_root=a_web_build())
    gateway.ports = {s: service_port if s in RUNNING else down for s in SERVICES}
    gateway.gateway_port = free_port()
    gateway.start_nginx()
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", gateway.gateway_port), timeout=1).close()
            return gateway
        except OSError:
            assert gateway.nginx is not None and gateway.nginx.poll() is None, (
                workdir / "nginx.out"
            ).read_text() + (workdir / "nginx-error.log").read_text()
            assert time.monotonic() < deadline, "nginx did not start listening"
            time.sleep(0.05)


@pytest.fixture(scope="module")
def gateway(
    nginx: str, service_port: int, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[httpx.Client]:
    running = start_gateway(tmp_path_factory.mktemp("gateway"), service_port)
    try:
        with httpx.Client(base_url=running.base_url, timeout=30, trust_env=False) as client:
            yield client
    finally:
        running.stop()
        shutil.rmtree(running.web_root, ignore_errors=True)


def raw_request(client: httpx.Client, request: bytes) -> http.client.HTTPResponse:
    """Bytes no well-behaved client would send, and nginx's answer to them."""
    url = httpx.URL(str(client.base_url))
    sock = socket.create_connection((url.host, url.port), timeout=10)
    sock.sendall(request)
    response = http.client.HTTPResponse(sock)
    response.begin()
    return response


def assert_problem(status: int, content_type: str | None, body: bytes, expected: int) -> None:
    assert status == expected
    assert content_type == PROBLEM_JSON
    problem = json.loads(body)
    assert problem["status"] == expected
    assert re.fullmatch(r"urn:school:problem:[a-z-]+", problem["type"]), problem
    assert problem["title"] and problem["detail"]


def test_the_gateway_configuration_passes_nginx_t(nginx: str, tmp_path: Path) -> None:
    conf = tmp_path / "nginx.conf"
    ports = {service: 8000 + i for i, service in enumerate(SERVICES)}
    conf.write_text(render_nginx(tmp_path, free_port(), ports))

    check = subprocess.run(
        [nginx, "-t", "-c", str(conf), "-p", str(tmp_path), "-e", "stderr"],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert check.returncode == 0, check.stderr
    assert "test is successful" in check.stderr


def test_the_cluster_runs_school_conf_itself_with_local_addresses(tmp_path: Path) -> None:
    ports = {service: 9000 + i for i, service in enumerate(SERVICES)}
    rendered = render_nginx(tmp_path, 8999, ports)
    conf = GATEWAY_CONF.read_text()
    for service, port in ports.items():
        conf = conf.replace(f"server {service}:8000;", f"server 127.0.0.1:{port};")
    conf = conf.replace("listen 8080;", "listen 127.0.0.1:8999;")
    conf = conf.replace("root /srv/school/web;", f"root {WEB_DIST};")

    def lines(text: str) -> str:
        return "\n".join(line.strip() for line in text.splitlines() if line.strip())

    assert lines(conf) in lines(rendered)


def test_the_gateway_drops_an_idle_service_connection_before_the_service_does() -> None:
    """Else nginx may reuse a connection just as the service closes it: a 502 for a request
    the service never saw."""
    conf = GATEWAY_CONF.read_text()
    upstreams = re.findall(r"upstream (\w+)\s*{([^}]*)}", conf)
    assert {name for name, _ in upstreams} == set(SERVICES)
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name, block in upstreams:
        assert "keepalive " in block
        nginx_idle = re.search(r"keepalive_timeout (\d+)s;", block)
        assert nginx_idle, f"upstream {name}: no keepalive_timeout (nginx's default is 60 s)"
        assert int(nginx_idle[1]) < api_keep_alive(compose, name), name


def api_keep_alive(compose: dict[str, Any], service: str) -> int:
    """Seconds the service's API process (the compose service the upstream names) keeps an
    idle connection: its --keep-alive, else its setting, else the setting's default."""
    entry = compose["services"][service]
    run = shlex.split(shlex.split(entry["command"])[-1].split(" && ")[-1])
    args = command_line(service).parse_args(run[3:])
    if args.keep_alive is not None:
        return int(args.keep_alive)
    setting = entry.get("environment", {}).get(f"{service.upper()}_KEEP_ALIVE_TIMEOUT")
    if setting is not None:
        return int(setting)
    settings = importlib.import_module(f"{service}.settings").Settings
    return int(settings.model_fields["keep_alive_timeout"].default)


def test_a_request_reaches_its_service_with_the_security_headers(gateway: httpx.Client) -> None:
    response = gateway.get("/api/journal/lessons")

    assert response.status_code == 200
    assert response.json() == {"path": "/api/journal/lessons"}
    assert_security_headers(response.headers)


def assert_security_headers(headers: httpx.Headers) -> None:
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    policy = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_the_swagger_ui_pages_may_load_fastapis_assets_and_nothing_may_frame_them(
    gateway: httpx.Client,
) -> None:
    response = gateway.get("/api/journal/docs")

    policy = response.headers["content-security-policy"]
    assert "script-src 'unsafe-inline' https://cdn.jsdelivr.net" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("path", ["/", "/today", "/journal/a/b?lesson=c"])
def test_the_web_clients_routes_are_its_index_page_revalidated_each_time(
    gateway: httpx.Client, path: str
) -> None:
    response = gateway.get(path)

    assert response.status_code == 200
    assert "<title>Журнал</title>" in response.text
    assert response.headers["cache-control"] == "no-cache"
    assert_security_headers(response.headers)


def test_hashed_assets_are_cached_for_a_year_and_the_service_worker_never(
    gateway: httpx.Client,
) -> None:
    asset = gateway.get("/assets/index-3f2a9c.js")
    worker = gateway.get("/sw.js")

    assert asset.status_code == 200
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert worker.status_code == 200
    assert worker.headers["cache-control"] == "no-cache"
    assert_security_headers(asset.headers)


def test_a_build_files_gzip_copy_goes_to_browsers_that_accept_gzip(
    gateway: httpx.Client,
) -> None:
    packed = gateway.get("/assets/vendor-77aa01.js", headers={"Accept-Encoding": "gzip"})
    as_is = gateway.get("/assets/vendor-77aa01.js", headers={"Accept-Encoding": "identity"})

    assert packed.headers["content-encoding"] == "gzip"
    assert int(packed.headers["content-length"]) < len(as_is.content) / 10
    assert packed.content == as_is.content
    assert "content-encoding" not in as_is.headers
    assert packed.headers["vary"] == "Accept-Encoding"
    assert packed.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_the_cache_rules_are_the_embedded_gateways() -> None:
    from embedded.webapp import IMMUTABLE, REVALIDATE

    conf = GATEWAY_CONF.read_text()
    assert f'"~^/assets/" "{IMMUTABLE}";' in conf
    assert f'default "{REVALIDATE}";' in conf


@pytest.mark.parametrize(
    "path", ["/api/", "/api/unknown/thing", "/.gateway-problem", "/assets/gone-1234.js"]
)
def test_an_unknown_route_is_a_404_problem(gateway: httpx.Client, path: str) -> None:
    response = gateway.get(path)

    assert_problem(
        response.status_code, response.headers.get("content-type"), response.content, 404
    )
    assert response.json()["type"] == "urn:school:problem:not-found"
    assert_security_headers(response.headers)


@pytest.mark.parametrize(
    "path",
    [
        "/api/auth/metrics",
        "/api/journal/metrics/",
        "/api/journal//metrics",
        "/api/journal/%6detrics",
    ],
)
def test_metrics_are_not_routed_from_outside(gateway: httpx.Client, path: str) -> None:
    response = gateway.get(path)  # the stub would answer 200

    assert_problem(
        response.status_code, response.headers.get("content-type"), response.content, 404
    )


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_service_that_is_down_is_a_502_problem_to_retry(
    gateway: httpx.Client, method: str
) -> None:
    response = gateway.request(method, "/api/messaging/notifications", json={})

    assert_problem(
        response.status_code, response.headers.get("content-type"), response.content, 502
    )
    assert response.json()["type"] == "urn:school:problem:bad-gateway"
    assert response.headers.get_list("retry-after") == ["2"]
    assert_security_headers(response.headers)


def test_a_services_own_problem_passes_through_as_it_is(gateway: httpx.Client) -> None:
    response = gateway.get("/api/journal/unavailable")

    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json() == {
        "type": "urn:school:problem:unavailable",
        "title": "Service unavailable",
    }
    assert response.headers.get_list("retry-after") == ["1"]  # the service's, not doubled
    assert_security_headers(response.headers)


def test_a_body_too_large_is_a_413_problem(gateway: httpx.Client) -> None:
    response = raw_request(
        gateway,
        b"POST /api/journal/lessons HTTP/1.1\r\nHost: school\r\n"
        b"Content-Type: application/json\r\nContent-Length: 10485761\r\n\r\n",
    )

    assert_problem(response.status, response.getheader("content-type"), response.read(), 413)


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"NONSENSE\r\n\r\n", 400),
        (b"GET /api/journal/x HTTP/1.1\r\nHost: school\r\nno colon here\r\n\r\n", 400),
        (
            b"GET /api/journal/x HTTP/1.1\r\nHost: school\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n",
            400,
        ),
        (b"GET /api/journal/" + b"a" * 20000 + b" HTTP/1.1\r\nHost: school\r\n\r\n", 414),
        (b"TRACE /api/journal/x HTTP/1.1\r\nHost: school\r\n\r\n", 405),
    ],
    ids=["no request line", "a broken header", "headers too large", "URI too long", "TRACE"],
)
def test_a_request_nginx_cannot_read_is_a_problem(
    gateway: httpx.Client, request_bytes: bytes, status: int
) -> None:
    response = raw_request(gateway, request_bytes)

    assert_problem(response.status, response.getheader("content-type"), response.read(), status)


def test_logins_beyond_the_burst_from_one_address_are_429_problems(
    nginx: str, service_port: int, tmp_path: Path
) -> None:
    # A gateway of its own: the rate limit's state must not leak into the other tests.
    running = start_gateway(tmp_path, service_port)

    async def storm(count: int) -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=count)
        async with httpx.AsyncClient(
            base_url=running.base_url, timeout=60, limits=limits, trust_env=False
        ) as client:
            login = {"login": "someone", "password": "x"}
            return list(
                await asyncio.gather(
                    *(client.post("/api/auth/login", json=login) for _ in range(count))
                )
            )

    try:
        answers = asyncio.run(storm(80))  # at once: twice the burst of 40
        other = httpx.get(f"{running.base_url}/api/auth/token/refresh", trust_env=False)
    finally:
        running.stop()
        shutil.rmtree(running.web_root, ignore_errors=True)

    limited = [a for a in answers if a.status_code == 429]
    assert 0 < len(limited) < len(answers)
    assert {a.status_code for a in answers} == {200, 429}
    for answer in limited:
        assert_problem(answer.status_code, answer.headers.get("content-type"), answer.content, 429)
        assert answer.json()["type"] == "urn:school:problem:too-many-requests"
        assert answer.headers["retry-after"] == "1"
        assert_security_headers(answer.headers)
    assert other.status_code == 200  # only the login route is limited
