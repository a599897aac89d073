"""The journal application."""

from pathlib import Path

from fastapi import FastAPI

from journal import api
from journal.consumers import subscriptions
from journal.idempotency import RETAINED
from journal.settings import Settings
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
    """Journal's app: the class journal, roster, lessons, marks and the diary."""
    return create_service_app(
        "journal",
        settings or Settings(),
        [api.router],
        subscriptions=subscriptions,
        bus=bus,
        keys=keys,
        role=role,
        description="The class journal: roster, lessons, marks and the student diary.",
        retained=[RETAINED],
    )


def create_api_app() -> FastAPI:
    """The app of an API process (`python -m journal api`): HTTP only, from the environment."""
    return create_app(role="api")
