"""What every service accepts as input, and the safety net for what slips past it.

Request shapes use these types so that bad input is refused by validation (422) before any
work is done: text never holds NUL (PostgreSQL's text cannot store it), integers fit the
PostgreSQL columns and parameters they end up in, dates stay far enough from Python's
limits that a week or a year around them can still be computed. A JSON body must come as
JSON (415 otherwise). What a schema does not catch and the database refuses as a value
(class 22 "data exception": a NUL, a number out of range, an impossible date) answers 422
too, never 500; the request's transaction has rolled back, so nothing was written.
"""

import datetime as dt
import logging
from typing import Annotated, Any, Final

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.exc import DBAPIError

from shared.errors import Problem, problem_response

log = logging.getLogger(__name__)

# --- Types for request shapes and parameters -------------------------------------------

# A character class PostgreSQL's text can hold: anything but NUL. As a pattern it is in the
# OpenAPI document too, so generated clients and test data know it.
NO_NUL_PATTERN: Final = r"^[^\x00]*$"

Text = Annotated[str, StringConstraints(pattern=NO_NUL_PATTERN)]
"""Any text a service stores or looks up: no NUL character. Services add their own length
and shape constraints on top (`Annotated[Text, StringConstraints(max_length=...)]`)."""

INT32_MAX: Final = 2**31 - 1  # PostgreSQL's `integer`

PageOffset = Annotated[int, Field(ge=0, le=INT32_MAX)]
"""How many items of a list to skip: far beyond any list, still a number PostgreSQL takes."""

EARLIEST_DATE: Final = dt.date(1900, 1, 1)
LATEST_DATE: Final = dt.date(2999, 12, 31)

Day = Annotated[dt.date, Field(ge=EARLIEST_DATE, le=LATEST_DATE)]
"""A calendar day the journal can mean (1900-01-01 to 2999-12-31): a week or a year on
either side of it is still a date, where 9999-12-31 plus a day overflows."""


class RequestModel(BaseModel):
    """Base of request bodies: an unknown field is a client error (422), never ignored."""

    model_config = ConfigDict(extra="forbid")


# --- JSON bodies come as JSON ------------------------------------------------------------


class UnsupportedMediaType(Problem):
    def __init__(self) -> None:
        super().__init__(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            "The body must be JSON, sent with `Content-Type: application/json`.",
        )


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    main, _, sub = media_type.partition("/")
    return main == "application" and (sub == "json" or sub.endswith("+json"))


async def json_bodies_only(request: Request) -> None:
    """Refuse a body that is not declared as JSON on an operation taking a JSON body.

    An app-wide dependency: FastAPI would otherwise validate the raw bytes against the
    model and answer a puzzling 422 (or, with no content type, guess)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or route.body_field is None:
        return
    content_type = request.headers.get("content-type")
    if content_type is not None and _is_json(content_type):
        return
    if content_type is None and not await request.body():
        return  # no body at all: validation says what is missing (422)
    raise UnsupportedMediaType()


# --- The safety net ----------------------------------------------------------------------


def _chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        following = current.__cause__ or getattr(current, "orig", None)  # SQLAlchemy: orig
        current = following if isinstance(following, BaseException) else None
    return chain


def is_refused_value(exc: BaseException) -> bool:
    """Whether the database, or asyncpg before sending, refused a value the request carried:
    SQLSTATE class 22 (data exception; asyncpg gives its own parameter checks 22000).
    A parameter of the wrong Python type is asyncpg's 22000 too, but caused by an
    AttributeError or a TypeError in the encoder: that is a bug of ours, not bad input."""
    chain = _chain(exc)
    refused = any(
        isinstance(sqlstate := getattr(error, "sqlstate", None), str) and sqlstate.startswith("22")
        for error in chain
    )
    return refused and not any(isinstance(error, (AttributeError, TypeError)) for error in chain)


def _invalid_value(request: Request, exc: BaseException) -> JSONResponse:
    # The type only: the message may quote the value, which may be personal data.
    log.warning("refused input value", extra={"error_type": type(exc).__name__})
    return problem_response(
        request,
        422,
        "invalid-value",
        "Invalid value",
        "A value in the request is out of the range or character set the service can "
        "store; nothing was saved.",
    )


def install_input_safety_net(app: FastAPI) -> None:
    """Answer values the schemas let through but the database or Python cannot hold with
    422 problem+json instead of 500."""

    async def on_database_error(request: Request, exc: Exception) -> JSONResponse:
        if is_refused_value(exc):
            return _invalid_value(request, exc)
        # Not about a value: the app's catch-all handler decides (503 for an outage, else
        # 500), exactly as if this handler did not exist.
        raise exc

    async def on_overflow(request: Request, exc: Exception) -> JSONResponse:
        # Date and time arithmetic beyond year 1 or 9999 (a range computed from a date the
        # client gave): the input's fault, whatever schema let it in.
        return _invalid_value(request, exc)

    handlers: dict[type[Exception], Any] = {
        DBAPIError: on_database_error,
        OverflowError: on_overflow,
    }
    for exc_class, handler in handlers.items():
        app.add_exception_handler(exc_class, handler)
