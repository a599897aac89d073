"""User-facing operations refuse service tokens, and operations for services refuse user
tokens: a service token never acts as a person, and no person (not even the director)
calls what is meant for a service."""

import uuid
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI

from shared.errors import install_problem_handlers
from shared.security import CurrentUser, Service, TokenVerifier, service_caller
from shared.testing import TokenFactory

ExportCaller = Annotated[Service, Depends(service_caller("journal.export"))]


def build_app(tokens: TokenFactory) -> FastAPI:
    router = APIRouter()

    @router.get("/person")
    async def person(user: CurrentUser) -> dict[str, str]:
        return {"account": str(user.account_id)}

    @router.get("/export")
    async def export(caller: ExportCaller) -> dict[str, str]:
        return {"service": caller.name}

    app = FastAPI()
    app.include_router(router)
    install_problem_handlers(app)
    app.state.token_verifier = TokenVerifier(tokens.keys(), issuer="school-auth", service="journal")
    return app


def service_token(
    tokens: TokenFactory, audience: str = "journal", scope: str = "journal.export", **extra: object
) -> str:
    claims: dict[str, object] = {
        "aud": audience,
        "sub": "service:archive",
        "token_use": "service",
        "client_id": "archive-1",
        "scope": scope,
        "school": None,  # None drops the claim: a service belongs to no school
        **extra,
    }
    return tokens.token(school_id=uuid.uuid4(), roles=[], **claims)


async def call(tokens: TokenFactory, path: str, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = httpx.ASGITransport(app=build_app(tokens))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        return await c.get(path, headers=headers)


async def test_a_service_token_with_the_scope_calls_the_service_operation() -> None:
    tokens = TokenFactory()
    response = await call(tokens, "/export", service_token(tokens))
    assert response.status_code == 200
    assert response.json() == {"service": "archive"}


@pytest.mark.parametrize("roles", [["director"], ["deputy"], ["sysadmin"], ["teacher"]])
async def test_user_tokens_are_refused_by_the_service_operation(roles: list[str]) -> None:
    tokens = TokenFactory()
    response = await call(tokens, "/export", tokens.token(school_id=uuid.uuid4(), roles=roles))
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_service_token_never_passes_as_a_user() -> None:
    tokens = TokenFactory()
    response = await call(tokens, "/person", service_token(tokens))
    assert response.status_code == 403
    assert response.json()["type"] == "urn:school:problem:forbidden"


@pytest.mark.parametrize(
    ("token_kind", "status"),
    [
        ("no token", 401),
        ("another scope", 403),
        ("another service's audience", 401),
        ("the users' audience", 401),
        ("expired", 401),
        ("no service subject", 401),
    ],
)
async def test_service_tokens_that_do_not_fit_are_refused(token_kind: str, status: int) -> None:
    tokens = TokenFactory()
    token = {
        "no token": None,
        "another scope": service_token(tokens, scope="journal.read"),
        "another service's audience": service_token(tokens, audience="reporting"),
        "the users' audience": service_token(tokens, audience="school"),
        "expired": service_token(tokens, exp=1, iat=0),
        "no service subject": service_token(tokens, sub=str(uuid.uuid4())),
    }[token_kind]
    response = await call(tokens, "/export", token)
    assert response.status_code == status, response.text


async def test_a_user_token_is_accepted_only_by_the_services_it_names() -> None:
    tokens = TokenFactory()
    school = uuid.uuid4()
    for_messaging = tokens.token(school_id=school, roles=["director"], aud=["messaging"])
    assert (await call(tokens, "/person", for_messaging)).status_code == 401
    for_journal = tokens.token(school_id=school, roles=["director"], aud=["journal", "messaging"])
    assert (await call(tokens, "/person", for_journal)).status_code == 200
