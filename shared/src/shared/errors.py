"""RFC 9457 problem+json errors with a stable type per error."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.bus import is_transient

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:school:problem:"

_STATUS_TYPES = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    415: "unsupported-media-type",
    422: "validation-error",
    429: "too-many-requests",
    503: "unavailable",
}


class Problem(Exception):
    """An error the client can act on; rendered as problem+json."""

    # Response headers a subclass adds (Retry-After, say).
    headers: dict[str, str] | None = None

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(title)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.extensions = extensions


class NotFound(Problem):
    def __init__(self, what: str = "resource") -> None:
        super().__init__(404, "not-found", "Not found", f"No such {what}.")


class Forbidden(Problem):
    def __init__(self, detail: str = "Your role does not allow this.") -> None:
        super().__init__(403, "forbidden", "Forbidden", detail)


class Unauthenticated(Problem):
    def __init__(self, detail: str = "A valid bearer token is required.") -> None:
        super().__init__(401, "unauthenticated", "Unauthenticated", detail)


class Conflict(Problem):
    def __init__(self, slug: str, detail: str) -> None:
        super().__init__(409, slug, "Conflict", detail)


def problem_response(
    request: Request,
    status: int,
    slug: str,
    title: str,
    detail: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + slug,
        "title": title,
        "status": status,
        "instance": request.url.path,
    }
    if detail:
        body["detail"] = detail
    body.update(extensions)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def install_problem_handlers(app: FastAPI) -> None:
    """Render every error of the app as problem+json."""

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        if exc.headers:
            headers = {**(headers or {}), **exc.headers}
        return problem_response(
            request, exc.status, exc.slug, exc.title, exc.detail, headers, **exc.extensions
        )

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return problem_response(
            request,
            422,
            "validation-error",
            "Invalid request",
            "The request does not match the schema.",
            errors=errors,
        )

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        slug = _STATUS_TYPES.get(exc.status_code, "http-error")
        title = slug.replace("-", " ").capitalize()
        return problem_response(
            request,
            exc.status_code,
            slug,
            title,
            str(exc.detail) if exc.detail else None,
            headers=dict(exc.headers) if exc.headers else None,
        )

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    # Not an exception handler: Starlette runs the handler for Exception outside every
    # middleware (after the request id is gone) and then re-raises for the server to log
    # the same error again. This middleware answers and logs it once, inside the request.
    app.add_middleware(UnexpectedErrorMiddleware)


class UnexpectedErrorMiddleware:
    """Answers an error no handler took: a passing outage (`is_transient`: connection
    lost, pool exhausted, statement or lock timeout) is a retryable 503, anything else a
    500 that tells nothing; either is logged once, with the request id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            response = unexpected_error_response(Request(scope), exc)
            if started:
                # Too late for an answer: the server closes the connection instead.
                return
            await response(scope, receive, send)


def unexpected_error_response(request: Request, exc: Exception) -> JSONResponse:
    """Log an unexpected error once and the problem+json that answers it."""
    if is_transient(exc):
        # The database or the network is away for a moment, or too busy: nothing was
        # written (the transaction rolled back), and the same request may be retried.
        log.warning(
            "dependency unavailable",
            extra={"error_type": type(exc).__name__, "error": str(exc)[:500]},
        )
        return problem_response(
            request,
            503,
            "unavailable",
            "Service unavailable",
            "A backing service is briefly unavailable; nothing was saved. Retry shortly.",
            headers={"Retry-After": "1"},
        )
    log.error("unhandled error", exc_info=exc)
    return problem_response(request, 500, "internal-error", "Internal error")
