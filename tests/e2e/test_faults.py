"""Faults against the running cluster. Whatever happens to the broker, the database or a
service process, a mark the API answered 2xx for reaches messaging and reporting exactly
once: none lost, none doubled.

The broker and the database these tests stop and restart are the ones the run tests
against (TEST_AMQP_URL, TEST_POSTGRES_URL): the RabbitMQ node rabbitmqctl reaches
(TEST_RABBITMQ_NODE, else its default node) once its listeners show the URL's port, and the
PostgreSQL cluster `pg_lsclusters` lists on the URL's port. On a shared machine, point them
at instances of the run's own (README.md, under `./school test`, says how)."""

import json
import shutil
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from cluster import Cluster
from shared.testing_rabbit import LOCAL_HOSTS, amqp_url_for_tests, rabbitmq_node_for_tests
from tests.e2e.school import Caller, School, eventually

pytestmark = [pytest.mark.e2e, pytest.mark.rabbitmq, pytest.mark.alone]


class Ledger:
    """What the parent has been notified of and what the report counts, before a fault."""

    def __init__(self, school: School) -> None:
        self.school = school
        self.parent = school.login("parent")
        self.notified = len(school.notifications(self.parent))
        self.counted = eventually(school.average)["marks_count"]

    def assert_each_arrived_once(self, mark_ids: set[str]) -> None:
        school, parent = self.school, self.parent

        def all_notified() -> bool:
            seen = {n["payload"].get("mark_id") for n in school.notifications(parent)}
            return mark_ids <= seen

        try:
            eventually(all_notified, timeout=90)
        except AssertionError:
            seen = {n["payload"].get("mark_id") for n in school.notifications(parent)}
            raise AssertionError(
                f"{len(mark_ids - seen)} of {len(mark_ids)} marks never notified"
            ) from None
        expected = self.counted + len(mark_ids)
        eventually(lambda: school.average_if(lambda a: a["marks_count"] >= expected), timeout=90)
        time.sleep(3)  # a duplicate, if there were one, would arrive in this time
        assert len(school.notifications(parent)) == self.notified + len(mark_ids)
        assert school.average()["marks_count"] == expected


def post_marks(school: School, teacher: Caller, count: int) -> set[str]:
    return {school.post_mark(teacher, value=4 + i % 2)["mark_id"] for i in range(count)}


def rabbitmqctl(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    node = rabbitmq_node_for_tests()
    return subprocess.run(
        ["rabbitmqctl", *(["-n", node] if node else []), *args],
        check=check,
        capture_output=True,
        text=True,
        timeout=120,
    )


def serves_amqp_url(amqp_url: str) -> bool:
    """Whether the node rabbitmqctl reaches is the broker of the tests' AMQP URL."""
    parts = urlsplit(amqp_url)
    if (parts.hostname or "localhost") not in LOCAL_HOSTS:
        return False
    status = rabbitmqctl("status", "--formatter", "json", check=False)
    if status.returncode != 0:
        return False
    listeners = json.loads(status.stdout).get("listeners", [])
    return any(
        listener.get("protocol") == "amqp" and listener.get("port") == (parts.port or 5672)
        for listener in listeners
    )


@pytest.fixture
def broker() -> Iterator[None]:
    if shutil.which("rabbitmqctl") is None:
        pytest.skip("rabbitmqctl is not available to stop the broker")
    if not serves_amqp_url(amqp_url_for_tests()):
        pytest.skip("the tests' broker is not the RabbitMQ node rabbitmqctl reaches")
    yield
    # Never leave the broker stopped, whatever happened in the test.
    rabbitmqctl("start_app", check=False)


def test_marks_posted_while_the_broker_is_down_arrive_exactly_once(
    school: School, broker: None
) -> None:
    ledger = Ledger(school)
    teacher = school.login("teacher")

    rabbitmqctl("stop_app")
    try:
        posted = post_marks(school, teacher, 12)  # each answered 201: the outbox holds it
    finally:
        rabbitmqctl("start_app")
        rabbitmqctl("await_startup")

    ledger.assert_each_arrived_once(posted)


def test_a_consumer_crashing_mid_stream_applies_every_mark_once(
    school: School, cluster: Cluster
) -> None:
    ledger = Ledger(school)
    teacher = school.login("teacher")

    posted = post_marks(school, teacher, 20)
    cluster.kill("messaging")  # likely mid-way: some applied, some in flight, some queued
    posted |= post_marks(school, teacher, 10)
    cluster.restart("messaging")

    ledger.assert_each_arrived_once(posted)


def postgres_cluster_of(pg_admin_url: str) -> tuple[str, str] | None:
    """The (version, name) of this machine's PostgreSQL cluster on the URL's port, if the
    tests use one (pg_lsclusters, Debian's postgresql-common)."""
    parts = urlsplit(pg_admin_url)
    if (parts.hostname or "localhost") not in LOCAL_HOSTS or shutil.which("pg_lsclusters") is None:
        return None
    listing = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, timeout=60
    )
    for line in listing.stdout.splitlines():
        version, name, port, *_ = line.split()
        if int(port) == (parts.port or 5432):
            return version, name
    return None


def gateway_errors(cluster: Cluster) -> list[str]:
    """What nginx logged besides refused connections (a service starting or killed)."""
    log = cluster.workdir / "nginx-error.log"
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    return [line for line in lines if "connect() failed" not in line][-20:]


def test_marks_acknowledged_around_a_database_restart_arrive_exactly_once(
    school: School, pg_admin_url: str, cluster: Cluster
) -> None:
    database = postgres_cluster_of(pg_admin_url)
    if database is None:
        pytest.skip("the tests' PostgreSQL is not a cluster of this machine to restart")
    ledger = Ledger(school)
    teacher = school.login("teacher")
    acknowledged: set[str] = set()
    refusals: list[tuple[int, str | None]] = []
    unexpected: list[str] = []  # the body of any other refusal, to tell who answered it
    stop = threading.Event()

    def keep_posting() -> None:
        while not stop.is_set():
            response = teacher.raw_post(
                f"/api/journal/lessons/{school.lesson_id}/marks",
                {"student_id": school.student_id, "value": 3, "work_type": "answer"},
            )
            if response.status_code == 201:
                acknowledged.add(response.json()["mark_id"])
            else:
                refusal = (response.status_code, response.headers.get("content-type"))
                refusals.append(refusal)
                if refusal != (503, "application/problem+json"):
                    unexpected.append(response.text[:300])
                time.sleep(0.1)  # the database is away: the API says so and writes nothing

    writer = threading.Thread(target=keep_posting)
    writer.start()
    try:
        time.sleep(1)
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", *database, "restart"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        time.sleep(2)
    finally:
        stop.set()
        writer.join(timeout=60)
    acknowledged |= post_marks(school, teacher, 3)  # and the API works again afterwards
    # While the database was away, writes were refused as retryable, never as a crash.
    print(f"refused while the database was away: {len(refusals)} {dict(Counter(refusals))}")
    assert not unexpected, (unexpected, gateway_errors(cluster))

    ledger.assert_each_arrived_once(acknowledged)
