"""The shape every service app shares: routes under /api/<service>, health and readiness,
problem+json errors, request ids, and a lifespan that runs what the process's role asks:
all in one (the HTTP API, the bus, the relay and the consumers, as the embedded mode and
the service tests run it) or the HTTP API alone (an API process of the distributed mode,
whose relay and consumers are processes of their own: shared.process)."""

import gc
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.bus import Bus, Subscription
from shared.db import Database
from shared.errors import install_problem_handlers
from shared.logging import RequestIdMiddleware, configure_logging
from shared.relay import OutboxRelay
from shared.security import JwksKeys, KeySource, TokenVerifier
from shared.settings import BaseServiceSettings
from shared.topology import registered_bindings

log = logging.getLogger(__name__)

SubscriptionsFactory = Callable[[Database], Sequence[Subscription]]

Role = Literal["all", "api"]
"""`all`: HTTP, relay and consumers in one event loop; `api`: HTTP only, no broker."""


def make_bus(settings: BaseServiceSettings, name: str) -> Bus:
    """The RabbitMQ transport when an AMQP URL is configured."""
    if not settings.amqp_url:
        raise RuntimeError(
            "No AMQP URL configured: set <SERVICE>_AMQP_URL, or run the embedded mode, "
            "which hands every service the in-process bus."
        )
    from shared.bus.rabbitmq import RabbitBus

    return RabbitBus(
        settings.amqp_url,
        exchange=settings.exchange,
        delivery_limit=settings.delivery_limit,
        prefetch=settings.prefetch,
        batch_size=settings.consumer_batch_size,
        batch_wait=settings.consumer_batch_wait,
        connection_name=name,
    )


async def readiness(name: str, db: Database, bus: Bus | None) -> dict[str, bool]:
    """Whether the database, and the broker unless `bus` is None, are reachable now."""
    checks = {"database": False}
    try:
        async with db.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        checks["database"] = True
    except Exception:
        log.warning("database not ready", extra={"service": name})
    if bus is not None:
        checks["broker"] = False
        try:
            checks["broker"] = await bus.is_ready()
        except Exception:
            log.warning("broker not ready", extra={"service": name})
    return checks


async def _warm_up(app: FastAPI, db: Database) -> None:
    """Do before the first request what it would otherwise wait for: auth's keys fetched,
    a database connection open. Best effort: whatever fails here is retried on demand."""
    keys = app.state.token_verifier.keys
    if isinstance(keys, JwksKeys):
        await keys.warm_up()
    try:
        async with db.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:
        log.warning("database not reachable at startup", extra={"service": app.title})
    # What exists once the first app is up (modules, routes, schemas, metadata) lives as
    # long as the process: keep it out of the collector's scans, which otherwise walk it on
    # every full collection. Once per process (tests and embedded mode build many apps).
    if gc.get_freeze_count() == 0:
        gc.collect()
        gc.freeze()


def create_service_app(
    name: str,
    settings: BaseServiceSettings,
    routers: Sequence[APIRouter],
    *,
    subscriptions: SubscriptionsFactory | None = None,
    bus: Bus | None = None,
    keys: KeySource | None = None,
    description: str = "",
    role: Role = "all",
) -> FastAPI:
    """Build a service's FastAPI app; `bus` and `keys` default to the configured ones.

    In the `api` role the app opens no broker connection: it neither publishes (its
    transactions only stage events in the outbox) nor consumes, and /ready checks the
    database alone.
    """
    configure_logging(settings.log_level)
    prefix = f"/api/{name}"

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(settings.database_url)
        app.state.db = db
        if role == "api":
            app.state.bus = None
            await _warm_up(app, db)
            log.info("api started", extra={"service": name})
            try:
                yield
            finally:
                await db.dispose()
            return
        the_bus = bus if bus is not None else make_bus(settings, name)
        if bus is None:
            # Its own broker connection: like a relay process, it declares every consuming
            # queue before its relay publishes (whoever hands in a bus declares for it).
            await the_bus.declare(registered_bindings())
        relay = OutboxRelay(
            db,
            the_bus,
            poll_interval=settings.relay_poll_interval,
            batch_size=settings.relay_batch_size,
        )
        app.state.bus = the_bus
        app.state.relay = relay
        await the_bus.start(subscriptions(db) if subscriptions else ())
        await relay.start()
        await _warm_up(app, db)
        log.info("started", extra={"service": name})
        try:
            yield
        finally:
            await relay.stop()
            await the_bus.close()
            await db.dispose()

    app = FastAPI(
        title=f"School journal: {name}",
        description=description,
        version="0.1.0",
        openapi_url=f"{prefix}/openapi.json",
        docs_url=f"{prefix}/docs",
        swagger_ui_oauth2_redirect_url=f"{prefix}/docs/oauth2-redirect",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.token_verifier = TokenVerifier(
        keys if keys is not None else JwksKeys(settings.jwks_url),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )
    install_problem_handlers(app)
    app.add_middleware(RequestIdMiddleware, service=name)

    @app.get(f"{prefix}/health", tags=["ops"])
    async def health() -> dict[str, str]:
        """Alive: the process answers."""
        return {"status": "ok", "service": name}

    @app.get(f"{prefix}/ready", tags=["ops"])
    async def ready(request: Request) -> JSONResponse:
        """Ready: the database is reachable, and the broker too where this process uses it."""
        checks = await readiness(name, request.app.state.db, request.app.state.bus)
        ok = all(checks.values())
        return JSONResponse(
            {"status": "ready" if ok else "unavailable", "checks": checks},
            status_code=200 if ok else 503,
        )

    for router in routers:
        app.include_router(router, prefix=prefix)
    return app


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request, committed before the response is sent."""
    db: Database = request.app.state.db
    async with db.transaction() as session:
        yield session


Session = Annotated[AsyncSession, Depends(_session, scope="function")]
