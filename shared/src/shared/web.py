"""The shape every service app shares: routes under /api/<service>, health and readiness,
problem+json errors, request ids, and a lifespan that runs what the process's role asks:
all in one (the HTTP API, the bus, the relay and the consumers, as the embedded mode and
the service tests run it) or the HTTP API alone (an API process of the distributed mode,
whose relay and consumers are processes of their own: shared.process)."""

import gc
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Literal, cast

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.bus import Bus, Subscription
from shared.db import Database, PooledConnection
from shared.deadletters import DeadLetterQueues, queues_of
from shared.errors import install_problem_handlers
from shared.inputs import install_input_safety_net, json_bodies_only
from shared.logging import RequestIdMiddleware, configure_logging
from shared.metrics import CONTENT_TYPE, RequestMetricsMiddleware, ServiceMetrics
from shared.openapi import document_problems
from shared.purge import Purge, Retained
from shared.relay import OutboxRelay
from shared.revocations import Revocations
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
        transient_retries=settings.transient_retries,
        connection_name=name,
    )


async def readiness(name: str, db: Database, bus: Bus | None) -> dict[str, bool]:
    """Whether the database, and the broker unless `bus` is None, are reachable now."""
    checks = {"database": False}
    # Twice: after a database restart the pool's first connection is a dead one, which
    # says nothing about the database now (SQLAlchemy replaces the pool on seeing it).
    for attempt in (1, 2):
        try:
            async with db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:
            log.warning(
                "database not ready",
                extra={"service": name, "attempt": attempt, "error_type": type(exc).__name__},
            )
            continue
        checks["database"] = True
        break
    if bus is not None:
        checks["broker"] = False
        try:
            checks["broker"] = await bus.is_ready()
        except Exception:
            log.warning("broker not ready", extra={"service": name})
    return checks


def service_database(settings: BaseServiceSettings, *, pool_size: int | None = None) -> Database:
    """The service's database as its settings describe it (pool, timeouts), for any kind
    of process; `pool_size` overrides the setting (a relay process needs two)."""
    return Database(
        settings.database_url,
        pool_size=settings.pool_size if pool_size is None else pool_size,
        pool_timeout=settings.pool_timeout,
        statement_timeout=settings.statement_timeout,
        lock_timeout=settings.lock_timeout,
    )


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
    retained: Sequence[Retained] = (),
) -> FastAPI:
    """Build a service's FastAPI app; `bus` and `keys` default to the configured ones;
    `retained` names the service's own tables the purge keeps short (shared.purge).

    In the `api` role the app opens no broker connection: it neither publishes (its
    transactions only stage events in the outbox) nor consumes, and /ready checks the
    database alone; its metrics read the queues through a connection of their own, and
    its purge is the relay process's.
    """
    configure_logging(settings.log_level)
    prefix = f"/api/{name}"
    metrics = ServiceMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = service_database(settings)
        app.state.db = db
        consumed = list(subscriptions(db)) if subscriptions else []
        queue_names = [s.queue for s in consumed]
        if role == "api":
            app.state.bus = None
            queues = queues_of(None, settings)
            metrics.watch(db=db, queues=queues, queue_names=queue_names)
            await _warm_up(app, db)
            log.info("api started", extra={"service": name})
            try:
                yield
            finally:
                if queues is not None:
                    await queues.close()
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
            park_after=settings.outbox_park_after,
        )
        app.state.bus = the_bus
        app.state.relay = relay
        purge = app.state.purge = Purge.for_service(db, settings, retained)
        queues = queues_of(the_bus, settings)
        metrics.watch(db=db, queues=queues, queue_names=queue_names, purge=purge)
        await the_bus.start(consumed)
        await relay.start()
        await purge.start()
        await _warm_up(app, db)
        log.info("started", extra={"service": name})
        try:
            yield
        finally:
            await purge.stop()
            await relay.stop()
            await the_bus.close()
            if queues is not None and not isinstance(the_bus, DeadLetterQueues):
                await queues.close()  # a connection of its own, not the bus's
            await db.dispose()

    app = FastAPI(
        title=f"School journal: {name}",
        description=description,
        dependencies=[Depends(json_bodies_only)],
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
        service=name,
        revocations=Revocations(
            lambda: cast(Database, app.state.db), settings.revocation_refresh_interval
        ),
    )
    app.state.metrics = metrics
    install_problem_handlers(app)
    install_input_safety_net(app)
    app.add_middleware(RequestMetricsMiddleware, metrics=metrics)
    app.add_middleware(RequestIdMiddleware, service=name)

    @app.get(f"{prefix}/health", tags=["ops"])
    async def health() -> dict[str, str]:
        """Alive: the process answers."""
        return {"status": "ok", "service": name}

    @app.get(
        f"{prefix}/ready",
        tags=["ops"],
        responses={503: {"description": "The database or the broker is not reachable"}},
    )
    async def ready(request: Request) -> JSONResponse:
        """Ready: the database is reachable, and the broker too where this process uses it."""
        checks = await readiness(name, request.app.state.db, request.app.state.bus)
        ok = all(checks.values())
        return JSONResponse(
            {"status": "ready" if ok else "unavailable", "checks": checks},
            status_code=200 if ok else 503,
        )

    @app.get(f"{prefix}/metrics", include_in_schema=False)
    async def metrics_endpoint(request: Request) -> Response:
        """Prometheus metrics (shared.metrics); the gateway keeps it internal."""
        return Response(await request.app.state.metrics.render(), media_type=CONTENT_TYPE)

    for router in routers:
        app.include_router(router, prefix=prefix)
    document_problems(app, skip_tags=frozenset({"ops"}))
    return app


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request, committed before the response is sent."""
    db: Database = request.app.state.db
    async with db.transaction() as session:
        yield session


Session = Annotated[AsyncSession, Depends(_session, scope="function")]


async def _pooled(request: Request) -> AsyncIterator[PooledConnection]:
    """A raw connection of the pool for a request that sends only prebuilt statements
    through asyncpg, each a transaction of its own; back in the pool before the response
    is sent."""
    db: Database = request.app.state.db
    async with db.pooled() as connection:
        yield connection


Pooled = Annotated[PooledConnection, Depends(_pooled, scope="function")]
"""The light counterpart of `Session` for the hottest paths (no session, no transaction)."""
