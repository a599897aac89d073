"""The distributed cluster for the end-to-end tests: fresh databases, a fresh RabbitMQ
vhost, five service processes and nginx, all removed afterwards."""

import os
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from cluster import SERVICES, Cluster, nginx_binary
from shared.testing import create_database, drop_database, unique_name, with_database
from shared.testing_rabbit import RabbitVhosts
from tests.e2e.school import School


def _unavailable(reason: str) -> None:
    if os.environ.get("REQUIRE_E2E") == "1":
        pytest.fail(f"end-to-end tests required but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
async def e2e_databases(pg_admin_url: str) -> AsyncIterator[dict[str, str]]:
    names = {service: unique_name(f"e2e_{service}") for service in SERVICES}
    for name in names.values():
        await create_database(pg_admin_url, name)
    yield {service: with_database(pg_admin_url, name) for service, name in names.items()}
    for name in names.values():
        await drop_database(pg_admin_url, name)


@pytest.fixture(scope="session")
async def e2e_amqp_url(rabbit_vhosts: RabbitVhosts) -> str:
    """A vhost of the cluster's own: its queues are named after the services."""
    return await rabbit_vhosts("e2e")


@pytest.fixture(scope="session")
def cluster(
    e2e_databases: dict[str, str], e2e_amqp_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    if nginx_binary() is None:
        _unavailable("nginx is not installed (the gateway of the distributed mode)")
    # Small pools: the parallel pass's workers share the machine's PostgreSQL (100
    # connections on a fresh install) with this cluster's fifteen processes.
    small_pools = {f"{service.upper()}_POOL_SIZE": "4" for service in SERVICES}
    cluster = Cluster(
        tmp_path_factory.mktemp("cluster"), e2e_databases, e2e_amqp_url, settings=small_pools
    )
    try:
        cluster.start()
        yield cluster
    except Exception:
        for service in SERVICES:
            print(f"--- {service} log ---\n{cluster.log_tail(service)}")
        raise
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def school(cluster: Cluster) -> Iterator[School]:
    with httpx.Client(base_url=cluster.base_url, timeout=30.0) as http:
        yield School.provision(http, cluster.env("auth"))
