"""Fixtures every test shares: a real PostgreSQL server, fresh migrated databases."""

import importlib
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI

from shared.bus.inprocess import InProcessBroker, InProcessBus
from shared.db import Database
from shared.events import CloudEvent, Event
from shared.migrations import upgrade
from shared.testing import (
    TokenFactory,
    create_database,
    drop_database,
    postgres_server,
    rolled_back,
    unique_name,
    with_database,
)
from shared.testing_rabbit import (
    BrokerAdmin,
    RabbitVhosts,
    amqp_url_for_tests,
    find_admin,
    rabbitmq_required,
    unique_prefix,
    unreachable_reason,
    with_vhost,
)


def migrations_of(service: str) -> Path:
    migrations: Path = importlib.import_module(f"{service}.main").MIGRATIONS
    return migrations


@pytest.fixture(scope="session")
def pg_admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with postgres_server(tmp_path_factory.mktemp("postgres")) as url:
        yield url


MigratedDatabase = Callable[[str], Awaitable[Database]]


@pytest.fixture(scope="session")
async def migrated_database(pg_admin_url: str) -> AsyncIterator[MigratedDatabase]:
    """Factory: the run's database of a service, migrated to head, dropped after the run."""
    created: list[tuple[str, Database]] = []
    by_service: dict[str, Database] = {}

    async def make(service: str) -> Database:
        if service in by_service:
            return by_service[service]
        name = unique_name(f"test_{service}")
        await create_database(pg_admin_url, name)
        url = with_database(pg_admin_url, name)
        db = Database(url, pool_size=5)
        created.append((name, db))  # dropped afterwards even if the migration fails
        await upgrade(migrations_of(service), url)
        by_service[service] = db
        return db

    yield make
    for name, db in created:
        await db.dispose()
        await drop_database(pg_admin_url, name)


# --- RabbitMQ for the run ---------------------------------------------------------------


@pytest.fixture(scope="session")
async def rabbit_admin() -> BrokerAdmin | None:
    """The broker admin (management API or rabbitmqctl) if one is available."""
    return await find_admin(amqp_url_for_tests())


@pytest.fixture(scope="session")
async def rabbit_vhosts(rabbit_admin: BrokerAdmin | None) -> AsyncIterator[RabbitVhosts]:
    """Factory: the AMQP URL of a fresh vhost on TEST_AMQP_URL's broker (the machine's by
    default) per call, all deleted after the run; else a throwaway broker in Docker.
    Skipped (failed under REQUIRE_RABBITMQ=1) when there is neither."""
    url = amqp_url_for_tests()
    reason = await unreachable_reason(url)
    if reason is not None:
        async for container_url in _rabbitmq_container(reason):

            async def same_broker(label: str, broker: str = container_url) -> str:
                return broker  # a throwaway broker of the run's own needs no vhosts

            yield same_broker
        return
    created: list[str] = []

    async def fresh(label: str) -> str:
        if rabbit_admin is None:
            return url  # no admin: the default vhost; tests use unique names
        vhost = unique_prefix(label)
        await rabbit_admin.create_vhost(vhost, urlsplit(url).username or "guest")
        created.append(vhost)
        return with_vhost(url, vhost)

    yield fresh
    if rabbit_admin is not None:
        for vhost in created:
            await rabbit_admin.delete_vhost(vhost)


@pytest.fixture(scope="session")
async def rabbit_url(rabbit_vhosts: RabbitVhosts) -> str:
    """The bus tests' vhost (each test also uses its own queue and exchange names)."""
    return await rabbit_vhosts("test")


async def _rabbitmq_container(reason: str) -> AsyncIterator[str]:
    try:
        from testcontainers.community.rabbitmq import RabbitMqContainer

        container = RabbitMqContainer("rabbitmq:3.13-alpine")
        container.start()
    except Exception as exc:  # no Docker engine either
        message = f"{reason}; no Docker for a throwaway broker ({type(exc).__name__})"
        if rabbitmq_required():
            pytest.fail(f"{message}, and REQUIRE_RABBITMQ=1")
        pytest.skip(message)
    try:
        params = container.get_connection_params()
        host, port = params.host, params.port
        yield f"amqp://guest:guest@{host}:{port}/"
    finally:
        container.stop()


# --- A service under test ---------------------------------------------------------------
# Each service's tests/<service>/conftest.py names the service with a `service` fixture;
# these fixtures then give it a migrated database rolled back per test, its app (without
# the lifespan: the test's database and an in-process bus are set by hand), a client, and
# its consumer's handler.


@pytest.fixture
async def service_db(service: str, migrated_database: MigratedDatabase) -> Database:
    """The service's database for the run, migrated to head (made once per run)."""
    return await migrated_database(service)


@pytest.fixture
async def db(service_db: Database) -> AsyncIterator[Database]:
    """Per-test isolation: everything the test writes is rolled back."""
    async with rolled_back(service_db) as test_db:
        yield test_db


@pytest.fixture(scope="session")
def tokens() -> TokenFactory:
    """Access tokens as auth would mint them, signed with a throwaway test key."""
    return TokenFactory()


@pytest.fixture
def app(service: str, db: Database, tokens: TokenFactory) -> FastAPI:
    main = importlib.import_module(f"{service}.main")
    settings = importlib.import_module(f"{service}.settings").Settings(database_url=db.url)
    bus = InProcessBus(InProcessBroker())
    app: FastAPI = main.create_app(settings, bus=bus, keys=tokens.keys())
    app.state.db = db
    app.state.bus = bus
    return app


@pytest.fixture
def client_base_url() -> str:
    return "http://test"


@pytest.fixture
async def client(app: FastAPI, client_base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=client_base_url) as c:
        yield c


Deliver = Callable[[Event | CloudEvent], Awaitable[CloudEvent]]


@pytest.fixture
def deliver(service: str, db: Database) -> Deliver:
    """Hand an event to the service's consumer as the bus would; returns the envelope."""
    [subscription] = importlib.import_module(f"{service}.consumers").subscriptions(db)

    async def send(event: Event | CloudEvent) -> CloudEvent:
        envelope = event if isinstance(event, CloudEvent) else event.to_cloudevent()
        envelope = CloudEvent.from_json(envelope.to_json())  # as it arrives off the wire
        await subscription.handler([envelope])
        return envelope

    return send


DeliverBatch = Callable[[Sequence[Event | CloudEvent]], Awaitable[list[CloudEvent]]]


@pytest.fixture
def deliver_batch(service: str, db: Database) -> DeliverBatch:
    """Hand events to the service's consumer as one batch, as the bus would."""
    [subscription] = importlib.import_module(f"{service}.consumers").subscriptions(db)

    async def send(events: Sequence[Event | CloudEvent]) -> list[CloudEvent]:
        envelopes = [
            CloudEvent.from_json((e if isinstance(e, CloudEvent) else e.to_cloudevent()).to_json())
            for e in events
        ]
        await subscription.handler(envelopes)
        return envelopes

    return send


# --- The tests that must run alone -------------------------------------------------
# The fault tests (marked `alone`) stop the broker and restart the PostgreSQL cluster the
# whole run uses; beside other tests, or before them in one process, they would hand
# everyone dead connections. The browser tests are alone too: Playwright's sync API keeps
# its event loop marked running in the thread while a test drives the page, so no asyncio
# test may run in that process until its driver stops (they would all fail with "Runner.run()
# cannot be called from a running event loop"); each browser module stops its driver at its
# end (tests/browser/conftest.py), and they run last. `./school test` runs everything else
# in parallel (pytest-xdist), then these in a pass of their own; in a single pass they go
# last.


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(pytest.mark.alone)
    items.sort(
        key=lambda item: (
            item.get_closest_marker("alone") is not None,
            item.get_closest_marker("browser") is not None,
        )
    )


# --- Test ids the same in every process ---------------------------------------------
# pytest-xdist's workers must collect the same ids; a uuid4 made at import time inside a
# parameter would differ in each. Such a uuid shows in the id as "<uuid>".

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def pytest_make_parametrize_id(config: pytest.Config, val: object, argname: str) -> str | None:
    if isinstance(val, uuid.UUID):
        return "<uuid>"
    if isinstance(val, str) and _UUID.search(val):
        return _UUID.sub("<uuid>", val)
    return None


# --- Which kinds of tests really ran -------------------------------------------------
# CI must fail when the RabbitMQ, end-to-end or browser tests did not run; a skipped test does not
# count. With SCHOOL_TEST_REPORT=<file>, the run adds the counts per marker to that file
# (the parallel pass and the pass of the tests that run alone add to the same file). The
# reports are read where they arrive: in the controller when pytest-xdist runs workers.

_TRACKED_MARKERS = ("rabbitmq", "e2e", "browser")
_outcomes: dict[str, dict[str, int]] = {
    m: {"passed": 0, "skipped": 0, "failed": 0} for m in _TRACKED_MARKERS
}
_skip_reasons: dict[str, set[str]] = {m: set() for m in _TRACKED_MARKERS}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    markers = [m for m in _TRACKED_MARKERS if m in report.keywords]
    if not markers:
        return
    if report.when == "call" and report.passed:
        for m in markers:
            _outcomes[m]["passed"] += 1
    elif report.skipped:
        for m in markers:
            _outcomes[m]["skipped"] += 1
            longrepr = report.longrepr
            if isinstance(longrepr, tuple) and len(longrepr) == 3:
                _skip_reasons[m].add(str(longrepr[2]).removeprefix("Skipped: "))
    elif report.failed:
        for m in markers:
            _outcomes[m]["failed"] += 1


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    import json
    import os

    if hasattr(terminalreporter.config, "workerinput"):
        return  # an xdist worker: the controller counts
    for marker in _TRACKED_MARKERS:
        counts = _outcomes[marker]
        if counts["skipped"]:
            reasons = "; ".join(sorted(_skip_reasons[marker])) or "see the skip reasons above"
            terminalreporter.write_line(
                f"NOTE: {counts['skipped']} {marker} test(s) were SKIPPED: {reasons}", yellow=True
            )
    path = os.environ.get("SCHOOL_TEST_REPORT")
    if path:
        totals = {m: dict(c) for m, c in _outcomes.items()}
        try:
            with open(path) as fh:
                earlier = json.load(fh)
        except (FileNotFoundError, json.JSONDecodeError):
            earlier = {}
        for marker, counts in earlier.items():
            for kind, n in counts.items():
                totals.setdefault(marker, {}).setdefault(kind, 0)
                totals[marker][kind] += n
        with open(path, "w") as fh:
            json.dump(totals, fh)
