"""Log lines (shared.logging, shared.errors): an error keeps its type, message and
traceback, scrubbed of tokens, secrets, e-mail-like strings and SQL parameters; an
unhandled error is logged once, inside its request (with the request id)."""

import json
import logging
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import APIRouter

from shared.bus.inprocess import InProcessBroker, InProcessBus
from shared.db import Database
from shared.logging import JsonFormatter, scrub
from shared.settings import BaseServiceSettings
from shared.testing import TokenFactory
from shared.web import create_service_app

TOKEN = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl"


def test_tokens_and_secrets_are_scrubbed() -> None:
    assert scrub(f"Authorization: Bearer {TOKEN}") == "Authorization: [redacted] [redacted]"
    assert scrub(f"bearer {TOKEN}") == "Bearer [redacted]"
    assert TOKEN not in scrub(f"token was {TOKEN}")
    assert (
        scrub("login failed: password=hunter2 for x") == "login failed: password=[redacted] for x"
    )
    assert scrub('{"refresh_token": "abc.def"}') == '{"refresh_token": "[redacted]"}'
    assert scrub("postgresql://school:s3cret@db:5432/journal") == (
        "postgresql://school:[redacted]@db:5432/journal"
    )


def test_email_like_strings_are_scrubbed() -> None:
    assert scrub("no account for ivanova.m+school@mail.example.ru") == "no account for [email]"


def test_sql_parameters_and_quoted_values_are_scrubbed() -> None:
    message = (
        "(sqlalchemy.dialects.postgresql.asyncpg.IntegrityError) duplicate key value violates"
        ' unique constraint "uq_accounts_login"\n'
        "DETAIL:  Key (login)=(ivanov.p) already exists.\n"
        "[SQL: INSERT INTO accounts (login, last_name) VALUES ($1::VARCHAR, $2::VARCHAR)]\n"
        "[parameters: ('ivanov.p', 'Иванов')]\n"
        "(Background on this error at: https://sqlalche.me/e/20/gkpj)"
    )
    scrubbed = scrub(message)

    assert "ivanov.p" not in scrubbed and "Иванов" not in scrubbed
    assert "Key (login)=([redacted]) already exists." in scrubbed
    assert "[parameters: [redacted]]" in scrubbed
    assert "INSERT INTO accounts (login, last_name)" in scrubbed  # the statement stays
    assert scrub("Failing row contains (1, Петров, 5).") == "Failing row contains ([redacted])"


def test_harmless_text_is_left_alone() -> None:
    text = "delivery failed on queue messaging after 3 attempts (TimeoutError)"
    assert scrub(text) == text


def record_of(exc: BaseException, message: str = "unhandled error") -> logging.LogRecord:
    return logging.LogRecord(
        "t", logging.ERROR, __file__, 1, message, None, (type(exc), exc, exc.__traceback__)
    )


def test_an_error_line_keeps_type_message_and_a_scrubbed_traceback() -> None:
    try:
        try:
            raise ConnectionError("lost connection for petrova@school.example")
        except ConnectionError as cause:
            raise RuntimeError(f"request with Bearer {TOKEN} failed") from cause
    except RuntimeError as exc:
        line = json.loads(JsonFormatter().format(record_of(exc)))

    assert line["error_type"] == "RuntimeError"
    assert line["error"] == "request with Bearer [redacted] failed"
    trace = line["traceback"]
    assert "Traceback (most recent call last)" in trace
    assert "test_an_error_line_keeps_type_message_and_a_scrubbed_traceback" in trace
    assert "ConnectionError: lost connection for [email]" in trace  # the cause, too
    assert TOKEN not in json.dumps(line) and "petrova" not in json.dumps(line)


def test_a_line_keeps_its_own_error_fields_scrubbed() -> None:
    record = logging.LogRecord("t", logging.WARNING, __file__, 1, "publish failed", None, None)
    record.__dict__.update(error="PublishError: unroutable for ivanov@example.org", attempts=2)
    line = json.loads(JsonFormatter().format(record))

    assert line["error"] == "PublishError: unroutable for [email]"
    assert line["attempts"] == 2


# --- one line per unhandled error, inside its request ------------------------------------

router = APIRouter()


@router.get("/bug")
async def bug() -> None:
    raise RuntimeError("a bug near anna@example.org")


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


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    settings = BaseServiceSettings(database_url="postgresql+asyncpg://nobody@127.0.0.1:9/none")
    bus = InProcessBus(InProcessBroker())
    app = create_service_app("things", settings, [router], bus=bus, keys=TokenFactory().keys())
    app.state.db = Database(settings.database_url)
    app.state.bus = bus
    # raise_app_exceptions on: an error reaching the server (which would log it again)
    # fails the request in the test
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def test_an_unhandled_error_is_logged_once_with_its_request_id(
    client: httpx.AsyncClient, log_lines: list[dict[str, object]]
) -> None:
    response = await client.get("/api/things/bug", headers={"x-request-id": "bug-1"})

    assert response.status_code == 500
    assert response.headers["x-request-id"] == "bug-1"
    errors = [line for line in log_lines if line["level"] == "ERROR"]
    assert len(errors) == 1
    [error] = errors
    assert error["message"] == "unhandled error" and error["request_id"] == "bug-1"
    assert error["error_type"] == "RuntimeError"
    assert error["error"] == "a bug near [email]"
    assert "raise RuntimeError" in str(error["traceback"])
    [request] = [line for line in log_lines if line["message"] == "request"]
    assert request["status"] == 500 and request["request_id"] == "bug-1"
