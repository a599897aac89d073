"""docker-compose.yml describes the same topology the e2e tests run (no Docker engine here
to start it, so these tests check that it names the real entry points and settings): each
service as its API, relay and consumer processes."""

import argparse
import importlib
import re
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from embedded.services import SERVICE_NAMES as SERVICES
from shared.process import command_line

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "docker-compose.yml").read_text()))


# Each service runs as three compose services: the API under the service's own name (the
# gateway's upstream), its relay and its consumers.
KINDS = {"api": "{service}", "relay": "{service}-relay", "consume": "{service}-consume"}
PROCESSES = [(service, kind) for service in SERVICES for kind in KINDS]


def compose_name(service: str, kind: str) -> str:
    return KINDS[kind].format(service=service)


def process_arguments(compose: dict[str, Any], service: str, kind: str) -> argparse.Namespace:
    """The compose service's command, parsed by the service's own command line."""
    script = shlex.split(compose["services"][compose_name(service, kind)]["command"])[-1]
    assert f"python -m shared.migrate {service} && " in script
    run = shlex.split(script.split(" && ")[-1])
    assert run[:3] == ["python", "-m", service], script
    return command_line(service).parse_args(run[3:])


@pytest.mark.parametrize(("service", "kind"), PROCESSES)
def test_each_process_runs_its_migrations_and_its_kind(
    compose: dict[str, Any], service: str, kind: str
) -> None:
    args = process_arguments(compose, service, kind)
    assert args.kind == kind
    processes = importlib.import_module(f"{service}.__main__").PROCESSES
    assert processes.name == service
    main = importlib.import_module(f"{service}.main")
    assert Path(main.MIGRATIONS, "env.py").exists()


@pytest.mark.parametrize("service", SERVICES)
def test_each_api_listens_where_the_gateway_sends_it(compose: dict[str, Any], service: str) -> None:
    args = process_arguments(compose, service, "api")
    assert (args.host, args.port) == ("0.0.0.0", 8000)
    module, factory = importlib.import_module(f"{service}.__main__").PROCESSES.api_factory.split(
        ":"
    )
    assert callable(getattr(importlib.import_module(module), factory))
    probe = " ".join(compose["services"][service]["healthcheck"]["test"])
    assert f"http://127.0.0.1:8000/api/{service}/ready" in probe


@pytest.mark.parametrize(("service", "kind"), [p for p in PROCESSES if p[1] != "api"])
def test_each_relay_and_consumer_is_checked_on_its_health_port(
    compose: dict[str, Any], service: str, kind: str
) -> None:
    args = process_arguments(compose, service, kind)
    probe = " ".join(compose["services"][compose_name(service, kind)]["healthcheck"]["test"])
    assert f"http://127.0.0.1:{args.health_port}/" in probe


@pytest.mark.parametrize(("service", "kind"), PROCESSES)
def test_each_process_is_configured_through_its_service_s_settings(
    compose: dict[str, Any], service: str, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = compose["services"][compose_name(service, kind)]["environment"]
    prefix = service.upper() + "_"
    assert set(env) >= {prefix + "DATABASE_URL", prefix + "AMQP_URL", prefix + "JWKS_URL"}
    assert all(key.startswith(prefix) for key in env)
    assert env == compose["services"][service]["environment"]  # the same settings, every kind
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = importlib.import_module(f"{service}.settings").Settings()
    assert settings.database_url == env[prefix + "DATABASE_URL"]
    assert settings.amqp_url == env[prefix + "AMQP_URL"]
    assert urlsplit(settings.jwks_url).path == "/api/auth/.well-known/jwks.json"


def test_nothing_runs_but_the_processes_of_the_services_and_their_infrastructure(
    compose: dict[str, Any],
) -> None:
    expected = {compose_name(service, kind) for service, kind in PROCESSES}
    assert set(compose["services"]) == expected | {"postgres", "rabbitmq", "gateway"}
    assert set(compose["services"]["gateway"]["depends_on"]) == set(SERVICES)


def test_every_service_has_its_own_database(compose: dict[str, Any]) -> None:
    databases = {
        urlsplit(compose["services"][s]["environment"][f"{s.upper()}_DATABASE_URL"]).path
        for s in SERVICES
    }
    assert len(databases) == len(SERVICES)
    created = (ROOT / "deploy/postgres/create-databases.sql").read_text()
    for path in databases:
        assert f"CREATE DATABASE {path.lstrip('/')};" in created


def test_the_gateway_routes_every_service(compose: dict[str, Any]) -> None:
    gateway = compose["services"]["gateway"]
    assert any("deploy/nginx/school.conf" in v for v in gateway["volumes"])
    conf = (ROOT / "deploy/nginx/school.conf").read_text()
    for service in SERVICES:
        assert re.search(rf"location /api/{service}/\s+{{ proxy_pass http://{service}; }}", conf)
        assert f"server {service}:8000;" in conf


def test_the_broker_and_database_are_the_real_components(compose: dict[str, Any]) -> None:
    assert compose["services"]["postgres"]["image"].startswith("postgres:")
    assert compose["services"]["rabbitmq"]["image"].startswith("rabbitmq:")
