"""Fault: RabbitMQ stops while teachers post marks. The API keeps answering 2xx (the
outbox holds the events); once the broker is back every mark reaches messaging and
reporting, none lost and none doubled."""

import shutil
import subprocess
import time

import pytest

from tests.e2e.school import School, eventually

pytestmark = [pytest.mark.e2e, pytest.mark.rabbitmq]

MARKS_DURING_OUTAGE = 12


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)


@pytest.fixture
def broker_outage() -> object:
    if shutil.which("rabbitmqctl") is None:
        pytest.skip("rabbitmqctl is not available to stop the broker")

    class Outage:
        def begin(self) -> None:
            rabbitmqctl("stop_app")

        def end(self) -> None:
            rabbitmqctl("start_app")
            rabbitmqctl("await_startup")

    outage = Outage()
    yield outage
    # Never leave the machine's broker stopped, whatever happened in the test.
    subprocess.run(["rabbitmqctl", "start_app"], capture_output=True, timeout=120)


def test_marks_posted_while_the_broker_is_down_arrive_exactly_once(
    school: School, broker_outage: object
) -> None:
    teacher = school.login("teacher")
    parent = school.login("parent")
    notified_before = len(school.notifications(parent))
    average_before = eventually(school.average)

    broker_outage.begin()  # type: ignore[attr-defined]
    try:
        posted = [school.post_mark(teacher, value=4 + i % 2) for i in range(MARKS_DURING_OUTAGE)]
    finally:
        broker_outage.end()  # type: ignore[attr-defined]

    mark_ids = {m["mark_id"] for m in posted}
    assert len(mark_ids) == MARKS_DURING_OUTAGE

    def all_notified() -> bool:
        seen = {n["payload"].get("mark_id") for n in school.notifications(parent)}
        return mark_ids <= seen

    eventually(all_notified, timeout=90)
    expected_count = average_before["marks_count"] + MARKS_DURING_OUTAGE
    eventually(lambda: school.average_if(lambda a: a["marks_count"] >= expected_count), timeout=90)

    time.sleep(3)  # give a duplicate, if any, the chance to arrive before counting
    notifications = school.notifications(parent)
    assert len(notifications) == notified_before + MARKS_DURING_OUTAGE
    assert school.average()["marks_count"] == expected_count
