"""JSON logs carrying a request id; personal data, passwords and tokens are never logged.

Only allow-listed record fields leave the process, and every text that may quote data
(the message, an error's text, a traceback) passes through `scrub` first: bearer tokens
and JWTs, password-like assignments, credentials in URLs, e-mail-like strings, SQL
parameters and the values PostgreSQL quotes in its error details are replaced.
"""

import json
import logging
import re
import sys
import traceback
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

# Only these record attributes leave the process: an allow-list keeps personal data out.
_SAFE_EXTRAS = (
    "service",
    "method",
    "path",
    "status",
    "duration_ms",
    "event_type",
    "event_id",
    "routing_key",
    "attempts",
    "error_type",
    "error",
    "queue",
    "count",
    "deliveries",
    "retries",
    "message_id",
    "reason",
    "consumer",
    "table",
    "rows",
    "age_seconds",
)

# Longest traceback kept on one line: enough for the frames that matter.
MAX_TRACEBACK = 8000
REDACTED = "[redacted]"

_SECRET_WORDS = (
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "authorization",
)

# (what the lower-cased text must contain for the pattern to be worth running, pattern,
# replacement): a log line is formatted on every request, and most lines contain none.
_SCRUBBERS: tuple[tuple[tuple[str, ...], re.Pattern[str], str], ...] = (
    # SQLAlchemy's "[parameters: (...)]" line and PostgreSQL's quoted values
    (
        ("[parameters:",),
        re.compile(r"^\[parameters: .*$", re.MULTILINE),
        f"[parameters: {REDACTED}]",
    ),
    (
        ("key (",),
        re.compile(r"(Key \([^)]*\))=\(.*?\)( already exists| is not present|\.|$)", re.M),
        r"\1=(" + REDACTED + r")\2",
    ),
    (
        ("failing row",),
        re.compile(r"(Failing row contains ).*$", re.MULTILINE),
        r"\1(" + REDACTED + ")",
    ),
    # tokens: "Bearer <anything>", and JWTs wherever they appear
    (("bearer",), re.compile(r"(?i)\bbearer\s+[^\s\"',;]+"), f"Bearer {REDACTED}"),
    (("eyj",), re.compile(r"\beyJ[\w-]*\.[\w-]*\.[\w-]*"), REDACTED),
    # password=..., "refresh_token": "...", secret: ...
    (
        _SECRET_WORDS,
        re.compile(
            r"(?i)((?:" + "|".join(_SECRET_WORDS) + r")[\w-]*)"
            r"([\"']?\s*[:=]\s*[\"']?)[^\s\"',;&)}\]]+"
        ),
        r"\1\2" + REDACTED,
    ),
    # credentials inside URLs: scheme://user:secret@host
    (
        ("://",),
        re.compile(r"(\b[a-z][\w+.-]*://[^\s:/@]*:)[^\s@/]+@", re.IGNORECASE),
        r"\1" + REDACTED + "@",
    ),
    # anything shaped like an e-mail address
    (("@",), re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
)


_ALL_HINTS = tuple(dict.fromkeys(hint for hints, _, _ in _SCRUBBERS for hint in hints))


def scrub(text: str) -> str:
    """The text with tokens, secrets, e-mail-like strings and SQL parameters replaced."""
    lowered = text.lower()
    # Most texts contain no hint at all and leave after these substring tests (a few
    # hundred nanoseconds; running the patterns costs tens of microseconds).
    for hint in _ALL_HINTS:
        if hint in lowered:
            break
    else:
        return text
    for hints, pattern, replacement in _SCRUBBERS:
        if any(hint in lowered for hint in hints):
            text = pattern.sub(replacement, text)
            lowered = text.lower()
    return text


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        rid = request_id.get()
        if rid:
            entry["request_id"] = rid
        for key in _SAFE_EXTRAS:
            if key in record.__dict__:
                value = record.__dict__[key]
                entry[key] = scrub(value) if isinstance(value, str) else value
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            entry.setdefault("error_type", type(exc).__name__)
            entry.setdefault("error", scrub(str(exc)))
            trace = "".join(traceback.format_exception(exc))
            entry["traceback"] = scrub(trace)[-MAX_TRACEBACK:]
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO") -> None:
    """Send JSON lines to stderr; idempotent."""
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        root.setLevel(level)
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.handlers = [handler]
    root.setLevel(level)
    logging.getLogger("uvicorn.access").disabled = True
    # httpx logs every URL at INFO; URLs may carry query parameters we do not log.
    logging.getLogger("httpx").setLevel(logging.WARNING)


class RequestIdMiddleware:
    """Takes X-Request-ID (or makes one), echoes it, and logs one line per request."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.log = logging.getLogger(f"{service}.http")
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex
        token = request_id.set(rid)
        status = 500
        started = datetime.now(UTC)

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = (datetime.now(UTC) - started).total_seconds() * 1000
            # The path only: query strings may carry personal data.
            self.log.info(
                "request",
                extra={
                    "service": self.service,
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round(elapsed, 2),
                },
            )
            request_id.reset(token)
