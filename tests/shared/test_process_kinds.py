"""A service as its three kinds of process (shared.process, shared.topology, shared.web's
roles): the API process needs no broker, every service can be started as each kind, and
the registry of queues the relays declare is exactly what the consumers subscribe to."""

import importlib

import aio_pika
import httpx
import pytest
from fastapi import FastAPI

from embedded.services import SERVICE_NAMES as SERVICES
from shared.db import Database
from shared.process import PROCESS_KINDS, ServiceProcesses, main
from shared.settings import BaseServiceSettings
from shared.testing import TokenFactory, with_database
from shared.testing_rabbit import RabbitVhosts
from shared.topology import registered_bindings
from shared.web import create_service_app


async def test_an_api_process_opens_no_broker_and_is_ready_on_its_database(
    pg_admin_url: str,
) -> None:
    # No AMQP URL at all: an all-in-one app could not even make its bus.
    settings = BaseServiceSettings(database_url=with_database(pg_admin_url, "postgres"))
    assert settings.amqp_url is None
    app: FastAPI = create_service_app(
        "things", settings, [], keys=TokenFactory().keys(), role="api"
    )
    async with app.router.lifespan_context(app):
        assert app.state.bus is None
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get("/api/things/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": True}}


async def test_the_all_in_one_app_still_runs_its_bus() -> None:
    settings = BaseServiceSettings(database_url="postgresql+asyncpg://nobody@127.0.0.1:9/none")
    app: FastAPI = create_service_app("things", settings, [], keys=TokenFactory().keys())
    with pytest.raises(RuntimeError, match="No AMQP URL"):
        async with app.router.lifespan_context(app):
            pass


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_runs_as_each_kind_of_process(service: str) -> None:
    processes: ServiceProcesses = importlib.import_module(f"{service}.__main__").PROCESSES
    assert processes.name == service
    assert processes.settings is importlib.import_module(f"{service}.settings").Settings
    module, factory = processes.api_factory.split(":")
    assert module == f"{service}.main"
    assert callable(getattr(importlib.import_module(module), factory))
    assert PROCESS_KINDS == ("api", "relay", "consume")


def test_the_command_line_names_the_three_kinds(capsys: pytest.CaptureFixture[str]) -> None:
    processes = importlib.import_module("journal.__main__").PROCESSES
    with pytest.raises(SystemExit) as stopped:
        main(processes, ["--help"])
    assert stopped.value.code == 0
    assert "api|relay|consume" in capsys.readouterr().out
    with pytest.raises(SystemExit) as refused:
        main(processes, ["serve"])
    assert refused.value.code == 2


@pytest.mark.parametrize("service", SERVICES)
def test_the_registry_holds_each_service_s_queue_as_its_consumers_subscribe(service: str) -> None:
    consumers = importlib.import_module(f"{service}.consumers")
    db = Database("postgresql+asyncpg://nobody@127.0.0.1:9/none")  # never connected
    subscribed = {s.queue: set(s.routing_keys) for s in consumers.subscriptions(db)}
    assert subscribed == {queue: set(keys) for queue, keys in consumers.BINDINGS.items()}
    registry = registered_bindings()
    for queue, keys in subscribed.items():
        assert set(registry[queue]) == keys


def test_the_registry_is_every_consuming_service_and_nothing_else() -> None:
    assert set(registered_bindings()) == set(SERVICES)


@pytest.mark.rabbitmq
async def test_an_all_in_one_app_on_its_own_broker_declares_every_queue_first(
    rabbit_vhosts: RabbitVhosts,
) -> None:
    amqp_url = await rabbit_vhosts("all-in-one")
    settings = BaseServiceSettings(
        database_url="postgresql+asyncpg://nobody@127.0.0.1:9/none", amqp_url=amqp_url
    )
    app: FastAPI = create_service_app("things", settings, [], keys=TokenFactory().keys())
    async with app.router.lifespan_context(app):
        connection = await aio_pika.connect(amqp_url)
        try:
            channel = await connection.channel()
            for queue, routing_keys in registered_bindings().items():
                assert routing_keys
                await channel.declare_queue(queue, passive=True)  # raises if missing
        finally:
            await connection.close()


@pytest.mark.parametrize("service", ["messaging", "reporting", "archive"])
def test_a_consumer_of_marks_and_attendance_is_bound_to_the_page_save_bundle(
    service: str,
) -> None:
    """A page save's marks and attendance travel only inside `journal.page.saved`."""
    assert "journal.mark.posted.v1" in registered_bindings()[service]
    assert "journal.page.saved.v1" in registered_bindings()[service]
