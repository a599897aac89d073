"""Logging in: one answer for every failure, audit without login text, the login event."""

import httpx
import pytest
from auth_testkit import PASSWORD, Schools, count, outbox_envelopes, random_login
from fastapi import FastAPI
from sqlalchemy import text

from auth.passwords import Passwords
from shared.db import Database


async def test_login_answers_an_access_and_a_refresh_token(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    response = await client.post(
        "/api/auth/login", json={"login": school.admin_login, "password": PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "access_token",
        "refresh_token",
        "token_type",
        "expires_in",
        "session_id",
        "device_token",
    }
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert response.headers["cache-control"] == "no-store"


async def test_login_ignores_the_case_of_the_login(schools: Schools) -> None:
    school = await schools.school()
    await schools.login(school.admin_login.upper())


async def test_unknown_login_and_wrong_password_get_the_same_answer(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    wrong_password = await client.post(
        "/api/auth/login", json={"login": school.admin_login, "password": "not the password"}
    )
    unknown_login = await client.post(
        "/api/auth/login", json={"login": random_login("nobody"), "password": PASSWORD}
    )
    assert wrong_password.status_code == unknown_login.status_code == 401
    assert wrong_password.json() == unknown_login.json()
    assert wrong_password.json()["type"] == "urn:school:problem:invalid-credentials"
    assert wrong_password.headers["content-type"] == "application/problem+json"


async def test_unknown_login_spends_a_password_verification_like_a_known_one(
    client: httpx.AsyncClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    passwords: Passwords = app.state.passwords
    verified: list[str] = []
    real = passwords.verify_dummy

    async def spy(password: str) -> None:
        verified.append(password)
        await real(password)

    monkeypatch.setattr(passwords, "verify_dummy", spy)
    await client.post("/api/auth/login", json={"login": random_login(), "password": "guess-1"})
    assert verified == ["guess-1"]


async def test_disabled_account_cannot_log_in_and_gets_the_same_answer(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    async with db.transaction() as session:
        await session.execute(
            text("UPDATE accounts SET is_active = false WHERE id = :id"), {"id": school.admin_id}
        )
    response = await client.post(
        "/api/auth/login", json={"login": school.admin_login, "password": PASSWORD}
    )
    assert response.status_code == 401
    assert response.json()["type"] == "urn:school:problem:invalid-credentials"


async def test_every_attempt_is_audited_without_the_login_text(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    unknown = random_login("nobody")
    await client.post("/api/auth/login", json={"login": unknown, "password": PASSWORD})
    await client.post(
        "/api/auth/login", json={"login": school.admin_login, "password": "wrong password"}
    )
    await schools.login(school.admin_login)

    async with db.transaction() as session:
        rows = (
            await session.execute(
                text("SELECT account_id, school_id, succeeded FROM login_audit ORDER BY id")
            )
        ).all()
        columns = set(
            await session.scalars(
                text(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_name IN ('login_audit', 'login_failures')"
                )
            )
        )
    assert [tuple(r) for r in rows] == [
        (None, None, False),
        (school.admin_id, school.id, False),
        (school.admin_id, school.id, True),
    ]
    assert "login" not in columns


async def test_successful_login_emits_user_logged_in_without_personal_data(
    db: Database, schools: Schools
) -> None:
    school = await schools.school()
    await schools.login(school.admin_login)
    [event] = [e for e in await outbox_envelopes(db) if e["type"] == "auth.session.logged_in.v1"]
    assert event["data"] == {"account_id": str(school.admin_id), "roles": ["sysadmin"]}
    assert event["schoolid"] == str(school.id)


async def test_a_failed_login_emits_the_account_only_and_an_unknown_login_nothing(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    before = await count(db, "SELECT count(*) FROM outbox")
    await client.post(
        "/api/auth/login", json={"login": school.admin_login, "password": "wrong password"}
    )
    await client.post("/api/auth/login", json={"login": "nobody-here", "password": "x"})

    assert await count(db, "SELECT count(*) FROM outbox") == before + 1
    [event] = [
        e for e in await outbox_envelopes(db) if e["type"] == "auth.session.sign_in_failed.v1"
    ]
    assert event["data"] == {"account_id": str(school.admin_id)}
    assert event["schoolid"] == str(school.id)


@pytest.mark.parametrize(
    "body",
    [
        {"login": "admin", "password": PASSWORD, "remember": True},
        {"login": "admin"},
        {"login": "", "password": PASSWORD},
        {"login": "admin", "password": ""},
        {"login": ["admin"], "password": PASSWORD},
    ],
)
async def test_login_rejects_malformed_requests_with_422(
    client: httpx.AsyncClient, body: dict[str, object]
) -> None:
    response = await client.post("/api/auth/login", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_login_rejects_malformed_json_with_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
