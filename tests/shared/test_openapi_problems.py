"""Every operation's OpenAPI entry lists the problem+json answers it can give, so that the
web client's typed client (generated from these documents) knows them all."""

from typing import Any

import pytest

from embedded.services import SERVICE_NAMES, load
from shared.bus.inprocess import InProcessBroker, InProcessBus
from shared.testing import TokenFactory

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def document(service: str) -> dict[str, Any]:
    module = load(service)
    settings = module.settings(database_url="postgresql+asyncpg://nobody@127.0.0.1:9/none")
    app = module.create_app(
        settings, bus=InProcessBus(InProcessBroker()), keys=TokenFactory().keys()
    )
    return app.openapi()


DOCUMENTS = {service: document(service) for service in SERVICE_NAMES}
OPERATIONS = [
    (service, method.upper(), path, operation)
    for service, doc in DOCUMENTS.items()
    for path, operations in doc["paths"].items()
    for method, operation in operations.items()
    if "ops" not in operation.get("tags", [])
]
IDS = [f"{method} {path}" for _, method, path, _ in OPERATIONS]


@pytest.mark.parametrize(("service", "method", "path", "operation"), OPERATIONS, ids=IDS)
def test_every_error_answer_is_a_documented_problem(
    service: str,
    method: str,
    path: str,
    operation: dict[str, Any],
) -> None:
    errors = {status: r for status, r in operation["responses"].items() if int(status) >= 400}

    assert "503" in errors
    for status, response in errors.items():
        assert response["content"] == PROBLEM, (status, response)
        assert response["description"]


@pytest.mark.parametrize(("service", "method", "path", "operation"), OPERATIONS, ids=IDS)
def test_the_problems_of_an_operations_shape_are_listed(
    service: str,
    method: str,
    path: str,
    operation: dict[str, Any],
) -> None:
    statuses = set(operation["responses"])
    places = {p["in"] for p in operation.get("parameters", [])}

    if operation.get("security"):
        assert {"401", "403"} <= statuses
    if "path" in places:
        assert {"404", "422"} <= statuses
    if places & {"query", "header"}:
        assert "422" in statuses
    if "requestBody" in operation:
        assert {"400", "415", "422"} <= statuses


@pytest.mark.parametrize(
    ("service", "method", "path", "declared"),
    [
        ("auth", "post", "/api/auth/login", {"401"}),
        ("auth", "post", "/api/auth/credentials", {"404", "409"}),
        ("journal", "post", "/api/journal/classes", {"404", "409"}),
        ("journal", "post", "/api/journal/lessons", {"404"}),
        ("journal", "post", "/api/journal/lessons/{lesson_id}/marks", {"409"}),
        ("reporting", "get", "/api/reporting/class-subject-average", {"404"}),
    ],
)
def test_what_only_the_service_knows_is_declared_by_its_route(
    service: str, method: str, path: str, declared: set[str]
) -> None:
    responses = DOCUMENTS[service]["paths"][path][method]["responses"]

    assert declared <= set(responses)
    assert all(responses[status]["content"] == PROBLEM for status in declared)


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_each_document_holds_the_problem_schema_and_not_fastapis_own(service: str) -> None:
    schemas = DOCUMENTS[service]["components"]["schemas"]

    assert schemas["Problem"]["required"] == ["type", "title", "status", "instance"]
    assert "HTTPValidationError" not in schemas
    assert "HTTPValidationError" not in str(DOCUMENTS[service]["paths"])
