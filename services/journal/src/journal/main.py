"""The journal application."""

from pathlib import Path

from fastapi import FastAPI

from journal import api
from journal.consumers import subscriptions
from journal.settings import Settings
from shared.bus import Bus
from shared.purge import Retained
from shared.security import KeySource
from shared.web import create_service_app

IDEMPOTENCY_KEYS = Retained("idempotency_keys", "created_at")
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def create_app(
    settings: Settings | None = None, *, bus: Bus | None = None, keys: KeySource | None = None
) -> FastAPI:
    """Journal's app: the class journal, roster, lessons, marks and the diary."""
    return create_service_app(
        "journal",
        settings or Settings(),
        [api.router],
        subscriptions=subscriptions,
        bus=bus,
        keys=keys,
        description="The class journal: roster, lessons, marks and the student diary.",
        # A client repeats a write within minutes; a key is kept for the retention.
        retained=[IDEMPOTENCY_KEYS],
    )
