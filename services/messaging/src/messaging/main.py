"""The messaging app."""

from pathlib import Path

from fastapi import FastAPI

from messaging import api
from messaging.consumers import subscriptions
from messaging.settings import Settings
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
    """Build the messaging app; `bus` and `keys` default to the configured ones."""
    return create_service_app(
        "messaging",
        settings or Settings(),
        [api.router],
        subscriptions=subscriptions,
        bus=bus,
        keys=keys,
        role=role,
        description="Notifications for students and parents.",
    )


def create_api_app() -> FastAPI:
    """The app of an API process (`python -m messaging api`): HTTP only, from the environment."""
    return create_app(role="api")
