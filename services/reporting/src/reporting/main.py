"""The reporting app."""

from pathlib import Path

from fastapi import FastAPI

from reporting import api
from reporting.consumers import subscriptions
from reporting.settings import Settings
from shared.bus import Bus
from shared.security import KeySource
from shared.web import Role, create_service_app

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def create_app(
    settings: Settings | None = None,
    *,
    bus: Bus | None = None,
    keys: KeySource | None = None,
    role: Role = "all",
) -> FastAPI:
    """Build the reporting app; `bus` and `keys` default to the configured ones."""
    return create_service_app(
        "reporting",
        settings or Settings(),
        [api.router],
        subscriptions=subscriptions,
        bus=bus,
        keys=keys,
        role=role,
        description="Projections of the school's events and the reports built on them.",
    )


def create_api_app() -> FastAPI:
    """The app of an API process (`python -m reporting api`): HTTP only, from the environment."""
    return create_app(role="api")
