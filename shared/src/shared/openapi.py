"""What each operation's OpenAPI entry says it may answer besides success.

The web client's typed API client is generated from these documents, so every problem an
operation can give is listed there, as `application/problem+json` with the `Problem`
schema. What follows from an operation's shape is added to every operation in one place
(`document_problems`): 401 and 403 where a token is required, 404 where the path names an
object, 415 and 422 where a body is taken, 422 where parameters are, 503 everywhere (the
database may be away for a moment). What only the service knows (a 404 of an object named
in the body, a 409) the route declares with `responses=problems(404, 409)`.
"""

from collections.abc import Iterator
from typing import Any, Final

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from shared.errors import PROBLEM_JSON, TYPE_PREFIX
from shared.security import current_user

Responses = dict[int | str, dict[str, Any]]

_DESCRIPTIONS: Final = {
    400: "Bad request",
    401: "No valid access token (or credentials)",
    403: "The caller's role does not allow this",
    404: "No such object in the caller's school (or not the caller's to see)",
    409: "Conflicts with what exists",
    415: "The body is not JSON",
    422: "The request does not match the schema, or a value is refused",
    503: "A backing service is briefly unavailable; nothing was saved, retry shortly",
}

PROBLEM_SCHEMA_REF: Final = "#/components/schemas/Problem"


class InvalidParameter(BaseModel):
    loc: list[str | int] = Field(
        description="Where: `body`, `query`, `path` or `header`, then the field."
    )
    msg: str
    type: str


class ProblemDocument(BaseModel):
    """RFC 9457 problem details as every service answers them."""

    model_config = ConfigDict(extra="allow", title="Problem")

    type: str = Field(pattern=f"^{TYPE_PREFIX}[a-z0-9-]+$", description="Stable per kind of error.")
    title: str
    status: int
    instance: str = Field(description="The path of the request.")
    detail: str | None = None
    errors: list[InvalidParameter] | None = Field(
        default=None, description="What did not validate (`validation-error` only)."
    )


def problems(*statuses: int) -> Responses:
    """OpenAPI `responses` entries for problems an operation may answer."""
    return {
        status: {
            "description": _DESCRIPTIONS[status],
            "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_SCHEMA_REF}}},
        }
        for status in statuses
    }


def _calls(dependant: Dependant) -> Iterator[Any]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _calls(dependency)


def shape_problems(route: APIRoute) -> set[int]:
    """The problems that follow from an operation's shape."""
    statuses = {503}
    if current_user in _calls(route.dependant):
        statuses |= {401, 403}
    if route.dependant.path_params:
        statuses |= {404, 422}
    if route.dependant.query_params or route.dependant.header_params:
        statuses.add(422)
    if route.body_field is not None:
        statuses |= {415, 422}
    return statuses


def document_problems(app: FastAPI, *, skip_tags: frozenset[str] = frozenset()) -> None:
    """Give every operation (but those tagged with one of `skip_tags`) the problems of its
    shape, and the document the `Problem` schema. Call after the routers are included."""
    for route in app.routes:
        if not isinstance(route, APIRoute) or skip_tags.intersection(map(str, route.tags)):
            continue
        # What the route declares itself wins (its own descriptions, a 201's model).
        route.responses = {**problems(*sorted(shape_problems(route))), **route.responses}

    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            problem = ProblemDocument.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(problem.pop("$defs", {}))
            schemas["Problem"] = problem
        return app.openapi_schema or generate()

    app.openapi = openapi  # type: ignore[method-assign]
