"""Input auth's database cannot hold is a 4xx problem, never a 500, and writes nothing."""

import httpx
import pytest
from auth_testkit import PASSWORD, Schools, count

from shared.db import Database

NUL = "\x00"
WRITTEN = (
    "SELECT (SELECT count(*) FROM login_failures) + (SELECT count(*) FROM login_audit)"
    " + (SELECT count(*) FROM accounts) + (SELECT count(*) FROM refresh_tokens)"
    " + (SELECT count(*) FROM outbox)"
)


@pytest.mark.parametrize(
    "body",
    [
        {"login": f"admin{NUL}", "password": PASSWORD},
        {"login": "admin", "password": f"{PASSWORD}{NUL}"},
    ],
    ids=["login", "password"],
)
async def test_a_nul_in_a_login_attempt_is_refused_and_nothing_is_recorded(
    client: httpx.AsyncClient, schools: Schools, db: Database, body: dict[str, str]
) -> None:
    await schools.school()
    before = await count(db, WRITTEN)

    response = await client.post("/api/auth/login", json=body)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:school:problem:validation-error"
    assert await count(db, WRITTEN) == before


@pytest.mark.parametrize("path", ["/api/auth/token/refresh", "/api/auth/logout"])
async def test_a_nul_in_a_refresh_token_is_refused(client: httpx.AsyncClient, path: str) -> None:
    response = await client.post(path, json={"refresh_token": f"token{NUL}"})

    assert response.status_code == 422, response.text
    assert response.json()["type"] == "urn:school:problem:validation-error"


async def test_a_nul_in_a_new_staff_members_name_is_refused_and_nothing_is_written(
    client: httpx.AsyncClient, schools: Schools, db: Database
) -> None:
    school = await schools.school()
    headers = await schools.bearer(school.admin_login)
    before = await count(db, WRITTEN)

    response = await client.post(
        "/api/auth/staff",
        headers=headers,
        json={
            "login": "petrova",
            "password": PASSWORD,
            "last_name": f"Петрова{NUL}",
            "first_name": "Анна",
            "roles": ["teacher"],
        },
    )

    assert response.status_code == 422, response.text
    assert await count(db, WRITTEN) == before


async def test_a_login_sent_as_a_form_is_refused_with_415(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/login", data={"login": "admin", "password": "x"})

    assert response.status_code == 415
    assert response.json()["type"] == "urn:school:problem:unsupported-media-type"
