"""The archive app."""

from pathlib import Path

from fastapi import FastAPI

from archive import api
from archive.consumers import subscriptions
from archive.settings import Settings
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
    """Build the archive app; `bus` and `keys` default to the configured ones."""
    return create_service_app(
        "archive",
        settings or Settings(),
        [api.router],
        subscriptions=subscriptions,
        bus=bus,
        keys=keys,
        role=role,
        description="Year archives of the school journal (sealing comes later).",
    )


def create_api_app() -> FastAPI:
    """The app of an API process (`python -m archive api`): HTTP only, from the environment."""
    return create_app(role="api")
