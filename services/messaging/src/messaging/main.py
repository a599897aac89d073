"""The messaging app."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from messaging.consumers import subscriptions
from messaging.mail import api as mail_api
from messaging.notifications import api
from messaging.notifications.jobs import NotificationJobs
from messaging.notifications.stream import NotificationHub
from messaging.settings import Settings
from shared.bus import Bus
from shared.idempotency import RETAINED
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
    """Build the messaging app; `bus` and `keys` default to the configured ones. Every
    role LISTENs for new notifications (the live streams); the `all` role also runs the
    scheduled work, which the distributed mode runs in the consume process."""
    settings = settings or Settings()
    app = create_service_app(
        "messaging",
        settings,
        [api.router, mail_api.router],
        subscriptions=subscriptions,
        bus=bus,
        keys=keys,
        role=role,
        description="Notifications (feed, live stream, email), progress letters; internal mail.",
        retained=[RETAINED],
    )
    service_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with service_lifespan(app):
            hub = app.state.notification_hub = NotificationHub(app.state.db)
            await hub.start()
            jobs = NotificationJobs(app.state.db, settings) if role == "all" else None
            if jobs is not None:
                await jobs.start()
            try:
                yield
            finally:
                if jobs is not None:
                    await jobs.stop()
                await hub.stop()

    app.router.lifespan_context = lifespan
    return app


def create_api_app() -> FastAPI:
    """The app of an API process (`python -m messaging api`): HTTP only, from the environment."""
    return create_app(role="api")
