"""The archive app."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from archive import api
from archive.consumers import subscriptions
from archive.jobs import running_seals
from archive.reading import ArchiveFiles
from archive.settings import Settings
from archive.storage import storage_of
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
    """Build the archive app; `bus` and `keys` default to the configured ones. The `all`
    role also seals the years journal announces closed (archive.jobs), which the
    distributed mode does in the consume process."""
    settings = settings or Settings()
    app = create_service_app(
        "archive",
        settings,
        [api.router],
        subscriptions=subscriptions,
        bus=bus,
        keys=keys,
        role=role,
        description="Sealed school years: class journals as signed JSON and PDF, verified.",
    )
    app.state.archive_files = ArchiveFiles(storage_of(settings), settings.keys_dir)
    service_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with service_lifespan(app):
            if role != "all":
                yield
                return
            async with running_seals(settings, app.state.db):
                yield

    app.router.lifespan_context = lifespan
    return app


def create_api_app() -> FastAPI:
    """The app of an API process (`python -m archive api`): HTTP only, from the environment."""
    return create_app(role="api")
