"""What each operation's OpenAPI entry says it may answer besides success.

The web client's typed API client is generated from these documents, so every problem an
operation can give is listed there, as `application/problem+json` with the `Problem`
schema. What follows from an operation's shape in the document is added to every
operation in one place (`document_problems`): 401 and 403 where a token is required, 404
where the path names an object, 400, 415 and 422 where a body is taken, 422 where parameters
are, 503 everywhere (the database may be away for a moment). What only the service knows
(a 404 of an object named in the body, a 409) the route declares with
`responses=problems(404, 409)`.
"""

from typing import Any, Final

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from shared.errors import PROBLEM_JSON, TYPE_PREFIX

Responses = dict[int | str, dict[str, Any]]

_DESCRIPTIONS: Final = {
    400: "The body cannot be read (not UTF-8 text)",
    401: "No valid access token (or credentials)",
    403: "The caller's role does not allow this",
    404: "No such object in the caller's school (or not the caller's to see)",
    409: "Conflicts with what exists",
    410: "Gone for good (its keeping time is over)",
    413: "The body is larger than the operation takes",
    415: "The body is not JSON",
    422: "The request does not match the schema, or a value is refused",
    428: "A change must name the version it is based on (If-Match or `version`)",
    429: "Too many attempts; retry after the seconds of Retry-After",
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


def _shape_problems(operation: dict[str, Any]) -> set[int]:
    """The problems that follow from an operation's shape in the document."""
    statuses = {503}
    if operation.get("security"):  # CurrentUser's bearer scheme
        statuses |= {401, 403}
    places = {parameter.get("in") for parameter in operation.get("parameters", [])}
    if "path" in places:
        statuses |= {404, 422}
    if places & {"query", "header"}:
        statuses.add(422)
    if "requestBody" in operation:
        statuses |= {400, 415, 422}
    return statuses


def _is_fastapis_validation_error(response: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref", "").endswith("/HTTPValidationError"))


_BODY_MODELS: dict[str, type[BaseModel]] = {}


def body_model_ref(model: type[BaseModel]) -> dict[str, str]:
    """A `$ref` to `model` for a body the route reads itself (`openapi_extra`, a multipart
    form with a JSON part): FastAPI documents only the models it parses, so the model is
    remembered here and `add_problems` puts its schema into each document that refers to it."""
    _BODY_MODELS[model.__name__] = model
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _add_body_models(document: dict[str, Any]) -> None:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    referred = {
        schema["$ref"].rsplit("/", 1)[-1]
        for operations in document.get("paths", {}).values()
        for operation in operations.values()
        for content in operation.get("requestBody", {}).get("content", {}).values()
        if isinstance(schema := content.get("schema"), dict) and "$ref" in schema
    }
    for name in sorted(referred - schemas.keys()):
        if (model := _BODY_MODELS.get(name)) is None:
            continue
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for nested, definition in schema.pop("$defs", {}).items():
            schemas.setdefault(nested, definition)
        schemas[name] = schema


def add_problems(document: dict[str, Any], *, skip_tags: frozenset[str] = frozenset()) -> None:
    """Give every operation of an OpenAPI document (but those tagged with one of
    `skip_tags`) the problems of its shape, and the document the `Problem` schema."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if skip_tags.intersection(operation.get("tags", ())):
                continue
            responses: dict[str, Any] = operation.setdefault("responses", {})
            # FastAPI's own 422 is not what the services answer: ours is problem+json.
            if _is_fastapis_validation_error(responses.get("422", {})):
                del responses["422"]
            for status, entry in problems(*sorted(_shape_problems(operation))).items():
                # What the route declares itself wins (its own description).
                responses.setdefault(str(status), entry)
            operation["responses"] = dict(sorted(responses.items()))
    _add_body_models(document)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    problem = ProblemDocument.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem


def document_problems(app: FastAPI, *, skip_tags: frozenset[str] = frozenset()) -> None:
    """Make the app's OpenAPI document list every operation's problems (`add_problems`)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            add_problems(generate(), skip_tags=skip_tags)
        return app.openapi_schema or generate()

    app.openapi = openapi  # type: ignore[method-assign]
