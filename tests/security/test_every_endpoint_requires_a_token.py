"""A safety net over every route of every service: nothing but the explicitly public
endpoints answers without a valid access token, and the refusal is problem+json 401.

Per-endpoint tests in each service's folder cover wrong roles, schools and children; this
one makes sure a new endpoint cannot forget authentication altogether."""

import importlib
import re
import uuid

import httpx
import pytest
from fastapi import FastAPI

from embedded.services import SERVICE_NAMES as SERVICES
from shared.bus.inprocess import InProcessBroker, InProcessBus
from shared.db import Database
from shared.testing import TokenFactory

# Reachable without an access token, on purpose.
PUBLIC = {
    ("GET", "/api/{service}/health"),
    ("GET", "/api/{service}/ready"),
    ("GET", "/api/auth/.well-known/jwks.json"),
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/token/refresh"),  # authenticated by the refresh token itself
    ("POST", "/api/auth/logout"),  # the same; an unknown token gets the same answer
    ("POST", "/api/auth/service-token"),  # authenticated by the client's id and secret
    ("POST", "/api/auth/activate"),  # the first sign-in: authenticated by the one-time code
    # Sign-in through the external provider (auth.oidc): whether it is offered, its start,
    # and its callback (authenticated by the provider's code and the browser's state).
    ("GET", "/api/auth/oidc"),
    ("POST", "/api/auth/oidc/sign-in"),
    ("POST", "/api/auth/oidc/callback"),
}


# Nothing listens there: a refusal must come before any database work.
UNREACHABLE_DATABASE = "postgresql+asyncpg://nobody@127.0.0.1:9/none"


def build_app(service: str) -> FastAPI:
    settings = importlib.import_module(f"{service}.settings").Settings(
        database_url=UNREACHABLE_DATABASE
    )
    main = importlib.import_module(f"{service}.main")
    bus = InProcessBus(InProcessBroker())
    app: FastAPI = main.create_app(settings, bus=bus, keys=TokenFactory().keys())
    app.state.db = Database(UNREACHABLE_DATABASE)  # no lifespan: set by hand
    app.state.bus = bus
    return app


def protected_routes() -> list[tuple[str, str, str]]:
    """Every operation in each service's OpenAPI document that is not public."""
    routes = []
    for service in SERVICES:
        for path, operations in build_app(service).openapi()["paths"].items():
            generic = path.replace(f"/api/{service}/", "/api/{service}/")
            for method in operations:
                method = method.upper()
                if (method, path) in PUBLIC or (method, generic) in PUBLIC:
                    continue
                routes.append((service, method, path))
    return routes


ROUTES = protected_routes()


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)


def test_the_services_have_protected_endpoints_to_check() -> None:
    assert {service for service, _, _ in ROUTES} == set(SERVICES)


@pytest.mark.parametrize(("service", "method", "path"), ROUTES)
@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer not-a-jwt",
        "Basic YWRtaW46YWRtaW4=",
        # signed by a key the service does not trust
        "Bearer " + TokenFactory().token(school_id=uuid.uuid4(), roles=["director", "deputy"]),
    ],
    ids=["no-token", "garbage", "basic-auth", "foreign-key"],
)
async def test_a_protected_endpoint_refuses_a_caller_without_a_valid_token(
    service: str, method: str, path: str, authorization: str | None
) -> None:
    app = build_app(service)
    headers = {"Authorization": authorization} if authorization else {}
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.request(method, concrete(path), headers=headers, json={})

    assert response.status_code == 401, (method, path, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == "urn:school:problem:unauthenticated"
