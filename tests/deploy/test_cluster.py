"""deploy/cluster runs each service as its API, relay and consumer processes; crashing "a
service" in the fault tests (`cluster.kill("messaging")`) means its consumers."""

import subprocess
from pathlib import Path
from typing import cast

import pytest

from cluster import SERVICES, Cluster, Process


class FakeProcess:
    """Stands in for a started process: records what was done to it."""

    def __init__(self) -> None:
        self.killed = False

    def kill(self) -> None:
        self.killed = True

    def wait(self, timeout: float | None = None) -> int:
        return -9


def cluster_of(tmp_path: Path, replicas: dict[str, int]) -> tuple[Cluster, dict[str, FakeProcess]]:
    cluster = Cluster(tmp_path, {}, "amqp://unused/", replicas=replicas)
    fakes: dict[str, FakeProcess] = {}
    for service in SERVICES:
        for kind in ("api", "relay", "consume"):
            for n in range(1, replicas.get(f"{service}-{kind}", 1) + 1):
                process = Process(service, kind, n)
                fakes[process.name] = FakeProcess()
                cluster.processes[process.name] = cast(subprocess.Popen[bytes], fakes[process.name])
                cluster.described[process.name] = process
    return cluster, fakes


def test_processes_are_named_by_service_kind_and_replica() -> None:
    assert Process("journal", "api").name == "journal-api"
    assert Process("reporting", "consume", 2).name == "reporting-consume-2"


def test_killing_a_service_kills_its_consumers_and_nothing_else(tmp_path: Path) -> None:
    cluster, fakes = cluster_of(tmp_path, {"messaging-consume": 2})
    cluster.kill("messaging")
    assert {name for name, fake in fakes.items() if fake.killed} == {
        "messaging-consume",
        "messaging-consume-2",
    }


@pytest.mark.parametrize("kind", ["api", "relay"])
def test_other_kinds_are_killed_by_name(tmp_path: Path, kind: str) -> None:
    cluster, fakes = cluster_of(tmp_path, {})
    cluster.kill("journal", kind)
    assert [name for name, fake in fakes.items() if fake.killed] == [f"journal-{kind}"]


def test_a_relay_or_consumer_is_ready_when_its_health_port_says_so(tmp_path: Path) -> None:
    cluster, _ = cluster_of(tmp_path, {})
    cluster.gateway_port, cluster.health_ports["journal-relay"] = 8080, 9001
    assert cluster.ready_url("journal-api") == "http://127.0.0.1:8080/api/journal/ready"
    assert cluster.ready_url("journal-relay") == "http://127.0.0.1:9001/"
