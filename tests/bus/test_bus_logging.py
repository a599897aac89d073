"""A failed delivery's log line says why: the error's type, its message and its
traceback, scrubbed (no e-mail-like strings, no tokens). On both transports."""

import json
import logging
from collections.abc import Iterator, Sequence

import pytest

from shared.bus import Subscription
from shared.events import CloudEvent
from shared.logging import JsonFormatter
from shared.testing_bus import Transport, make_event


class JsonLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict[str, object]] = []
        self.formatter = JsonFormatter()

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def log_lines() -> Iterator[list[dict[str, object]]]:
    handler = JsonLines()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler.lines
    finally:
        root.removeHandler(handler)


async def test_a_failed_delivery_is_logged_with_its_error_and_a_scrubbed_traceback(
    transport: Transport, log_lines: list[dict[str, object]]
) -> None:
    queue = transport.queue("messaging")

    async def broken(_batch: Sequence[CloudEvent]) -> None:
        raise LookupError("no guardian found for smirnova@example.org")

    bus = await transport.bus([Subscription(queue, ("test.#",), broken)])
    await bus.publish(make_event())
    await transport.wait_dead_letters(queue, 1)

    failed = [line for line in log_lines if line["message"] == "delivery failed"]
    assert failed
    line = failed[0]
    assert line["error_type"] == "LookupError"
    assert line["error"] == "no guardian found for [email]"
    assert 'raise LookupError("no guardian found for [email]")' in str(line["traceback"])
    assert "smirnova" not in json.dumps(log_lines)
