"""Every service's OpenAPI document is a contract its answers keep, checked by schemathesis
against the live school (conftest.py) with real tokens: generated requests, valid and
invalid, never get a server error, and every answer has a documented status code, content
type, headers and body.

Bounded and repeatable: derandomized generation (the same requests every run), no example
database, no shrinking, a fixed number of examples per operation and generation mode."""

import hypothesis
import pytest
import schemathesis
from schemathesis import APIOperation, BaseSchema, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from embedded.services import SERVICE_NAMES, load
from shared.bus.inprocess import InProcessBroker, InProcessBus
from shared.testing import TokenFactory
from tests.api_contract.conftest import LiveSchool

# Examples per operation and generation mode; derandomized, so every run sends the same.
MAX_EXAMPLES = 25

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
]
POSITIVE_CHECKS = [check for check in CHECKS if check is not negative_data_rejection]

# Who calls each operation: the role most likely to get past authorization to the work.
ROLE_BY_OPERATION = {
    ("POST", "/api/auth/staff"): "sysadmin",
    ("POST", "/api/auth/credentials"): "deputy",
    ("GET", "/api/auth/me"): "parent",
    ("GET", "/api/auth/accounts"): "sysadmin",
    ("POST", "/api/auth/accounts/{account_id}/activation-code"): "sysadmin",
    ("POST", "/api/auth/accounts/{account_id}/disable"): "sysadmin",
    ("PUT", "/api/auth/accounts/{account_id}/roles/{role}"): "sysadmin",
    ("DELETE", "/api/auth/accounts/{account_id}/roles/{role}"): "sysadmin",
    ("POST", "/api/auth/me/guardian-records"): "parent",
    ("GET", "/api/auth/consents"): "parent",
    ("PUT", "/api/auth/consents/{student_id}/{purpose}"): "parent",
    ("DELETE", "/api/auth/consents/{student_id}/{purpose}"): "parent",
    ("POST", "/api/journal/lessons"): "teacher",
    ("POST", "/api/journal/lessons/{lesson_id}/marks"): "teacher",
    ("GET", "/api/journal/assignments"): "teacher",
    ("GET", "/api/journal/work-types"): "teacher",
    ("GET", "/api/journal/diary/{student_id}"): "parent",
    ("PUT", "/api/journal/assignments/{assignment_id}/periods/{period_id}/finals"): "teacher",
    (
        "PUT",
        "/api/journal/assignments/{assignment_id}/periods/{period_id}/finals/{student_id}",
    ): "teacher",
    (
        "DELETE",
        "/api/journal/assignments/{assignment_id}/periods/{period_id}/finals/{student_id}",
    ): "teacher",
    ("PUT", "/api/journal/assignments/{assignment_id}/years/{year_id}/finals"): "teacher",
    (
        "PUT",
        "/api/journal/assignments/{assignment_id}/years/{year_id}/finals/{student_id}",
    ): "teacher",
    (
        "DELETE",
        "/api/journal/assignments/{assignment_id}/years/{year_id}/finals/{student_id}",
    ): "teacher",
    ("GET", "/api/messaging/notifications"): "parent",
    ("POST", "/api/messaging/notifications/{notification_id}/read"): "parent",
    ("PUT", "/api/messaging/email-settings"): "sysadmin",
    ("GET", "/api/messaging/email-settings"): "sysadmin",
    ("POST", "/api/messaging/progress-letters"): "teacher",  # 5А's class teacher
}
ROLE_BY_SERVICE = {
    "auth": "deputy",
    "journal": "deputy",
    "messaging": "parent",
    "reporting": "director",
    "archive": "director",
}


def role_for(method: str, path: str) -> str:
    service = path.split("/")[2]
    return ROLE_BY_OPERATION.get((method.upper(), path), ROLE_BY_SERVICE[service])


UNREACHABLE_DATABASE = "postgresql+asyncpg://nobody@127.0.0.1:9/none"
# Endless responses (server-sent events) a generated request would wait on until its
# timeout; their answers are tested in tests/messaging/test_messaging_stream.py.
STREAMS = {("GET", "/api/messaging/notifications/stream")}


def documented_operations() -> list[tuple[str, str, str, GenerationMode]]:
    """(service, method, path, mode) of every operation, read from the documents the apps
    build (no database needed to build them; the run loads what the live school serves).
    Invalid requests only for operations that take any input."""
    found = []
    for name in SERVICE_NAMES:
        module = load(name)
        settings = module.settings(database_url=UNREACHABLE_DATABASE)
        app = module.create_app(
            settings, bus=InProcessBus(InProcessBroker()), keys=TokenFactory().keys()
        )
        for path, operations in app.openapi()["paths"].items():
            for method, operation in operations.items():
                if (method.upper(), path) in STREAMS:
                    continue
                found.append((name, method.upper(), path, GenerationMode.POSITIVE))
                if operation.get("parameters") or operation.get("requestBody"):
                    found.append((name, method.upper(), path, GenerationMode.NEGATIVE))
    return found


OPERATIONS = documented_operations()


# Tokens are the run's own, per operation, never generated; and unknown query parameters
# are ignored, as HTTP APIs commonly do, so requests made invalid only by one are not sent.
GENERATION = {"with-security-parameters": False, "allow-extra-parameters": False}


@pytest.fixture(scope="session")
def live_schemas(live_school: LiveSchool) -> dict[str, BaseSchema]:
    """Each service's document as the live school serves it."""
    config = schemathesis.Config.from_dict({"generation": GENERATION})
    return {
        name: schemathesis.openapi.from_url(
            f"{live_school.base_url}/api/{name}/openapi.json", config=config
        )
        for name in SERVICE_NAMES
    }


def fixed_parameters(operation: APIOperation, ids: dict[str, str]) -> dict[str, dict[str, str]]:
    """The school's real objects for the operation's path and query parameters that name
    one (random ids only ever find nothing), so valid requests reach the work behind them."""
    fixed: dict[str, dict[str, str]] = {"path": {}, "query": {}}
    for parameter in operation.definition.raw.get("parameters", []):
        place, name = parameter["in"], parameter["name"]
        if place in fixed and name in ids:
            fixed[place][name] = ids[name]
    return fixed


# Body fields naming the school's objects, set to real ones in valid requests (random ids
# only ever find nothing; a random work type code is never the school's).
BODY_IDS = {
    "assignment_id": "assignment_id",
    "class_id": "class_id",
    "subject_id": "subject_id",
    "student_id": "student_id",
    "teacher_id": "teacher_id",
    "person_id": "student_id",
}


def naming_the_schools_objects(case: schemathesis.Case, ids: dict[str, str]) -> schemathesis.Case:
    """A valid request whose body names the school's real objects."""
    if isinstance(case.body, dict):
        for field, name in BODY_IDS.items():
            if field in case.body:
                case.body[field] = ids[name]
        if "student_ids" in case.body:
            case.body["student_ids"] = [ids["student_id"]]
        for item in case.body.get("items") or []:
            if isinstance(item, dict) and "student_id" in item:  # a class's final marks
                item["student_id"] = ids["student_id"]
        if "work_type" in case.body:
            case.body["work_type"] = "answer"
    return case


def test_every_operation_is_in_the_run() -> None:
    assert {name for name, _, _, _ in OPERATIONS} == set(SERVICE_NAMES)
    assert len({(method, path) for _, method, path, _ in OPERATIONS}) >= 30


@pytest.mark.parametrize(
    ("service", "method", "path", "mode"),
    OPERATIONS,
    ids=[f"{method} {path} {mode}" for _, method, path, mode in OPERATIONS],
)
def test_every_answer_keeps_the_documented_contract(
    live_school: LiveSchool,
    live_schemas: dict[str, BaseSchema],
    service: str,
    method: str,
    path: str,
    mode: GenerationMode,
) -> None:
    operation = live_schemas[service][path][method]
    secured = bool(operation.definition.raw.get("security"))
    headers = live_school.bearer(role_for(method, path)) if secured else {}
    if mode is GenerationMode.POSITIVE:
        fixed = fixed_parameters(operation, live_school.ids)
        strategy = operation.as_strategy(
            mode, path_parameters=fixed["path"] or None, query=fixed["query"] or None
        ).map(lambda case: naming_the_schools_objects(case, live_school.ids))
    else:
        strategy = operation.as_strategy(mode)
    checks = CHECKS if mode is GenerationMode.NEGATIVE else POSITIVE_CHECKS

    @hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(case=strategy)
    def call(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=checks, timeout=30)

    call()
