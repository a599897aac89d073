"""docker-compose.yml describes the same topology the e2e tests run (no Docker engine here
to start it, so these tests check that it names the real entry points and settings)."""

import importlib
import re
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from embedded.services import SERVICE_NAMES as SERVICES

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "docker-compose.yml").read_text()))


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_runs_its_real_migrations_and_app_factory(
    compose: dict[str, Any], service: str
) -> None:
    command = shlex.split(compose["services"][service]["command"])[-1]
    assert f"python -m shared.migrate {service}" in command
    match = re.search(r"uvicorn --factory (\S+):(\S+)", command)
    assert match, command
    module = importlib.import_module(match.group(1))
    assert match.group(1) == f"{service}.main"
    assert callable(getattr(module, match.group(2)))
    assert Path(module.MIGRATIONS, "env.py").exists()


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_is_configured_through_its_own_settings(
    compose: dict[str, Any], service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = compose["services"][service]["environment"]
    prefix = service.upper() + "_"
    assert set(env) >= {prefix + "DATABASE_URL", prefix + "AMQP_URL", prefix + "JWKS_URL"}
    assert all(key.startswith(prefix) for key in env)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = importlib.import_module(f"{service}.settings").Settings()
    assert settings.database_url == env[prefix + "DATABASE_URL"]
    assert settings.amqp_url == env[prefix + "AMQP_URL"]
    assert urlsplit(settings.jwks_url).path == "/api/auth/.well-known/jwks.json"


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
