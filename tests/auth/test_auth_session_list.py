"""One's sessions: listed, ended one by one or all at once, ended by a reused refresh token
or a disabled account; every end is published and refuses the session's access tokens
at once (auth's own revocation projection here; other services' in their tests)."""

import uuid
from typing import Any

import httpx
import pytest
from auth_testkit import PASSWORD, Schools, outbox_envelopes
from sqlalchemy import text

from auth import sessions
from auth.settings import Settings
from shared.db import Database
from shared.testing import TokenFactory


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def me(client: httpx.AsyncClient, tokens: dict[str, Any]) -> int:
    return (await client.get("/api/auth/me", headers=bearer(tokens))).status_code


async def revocations_published(db: Database, kind: str = "auth.session.revoked.v1") -> list[Any]:
    return [e for e in await outbox_envelopes(db) if e["type"] == kind]


async def login(client: httpx.AsyncClient, who: str, agent: str = "test") -> dict[str, Any]:
    response = await client.post(
        "/api/auth/login",
        json={"login": who, "password": PASSWORD},
        headers={"User-Agent": agent},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_the_list_shows_ones_live_sessions_and_marks_the_current_one(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    phone = await login(client, school.admin_login, "Phone/1.0")
    laptop = await login(client, school.admin_login, "Laptop/2.0")
    other = await schools.staff(school, "teacher")
    await login(client, other.login)

    response = await client.get("/api/auth/sessions", headers=bearer(laptop))

    assert response.status_code == 200
    listed = response.json()["sessions"]
    assert {s["id"] for s in listed} == {phone["session_id"], laptop["session_id"]}
    by_id = {s["id"]: s for s in listed}
    assert by_id[laptop["session_id"]]["current"] is True
    assert by_id[phone["session_id"]]["current"] is False
    assert by_id[phone["session_id"]]["client"] == "Phone/1.0"
    assert by_id[phone["session_id"]]["audience"] == [
        "archive",
        "auth",
        "journal",
        "messaging",
        "reporting",
    ]
    assert set(listed[0]) == {
        "id",
        "created_at",
        "last_used_at",
        "expires_at",
        "client",
        "audience",
        "current",
    }


async def test_ending_one_session_refuses_its_tokens_at_once_and_publishes_it(
    client: httpx.AsyncClient, db: Database, schools: Schools, settings: Settings
) -> None:
    school = await schools.school()
    phone = await login(client, school.admin_login)
    laptop = await login(client, school.admin_login)

    response = await client.delete(
        f"/api/auth/sessions/{phone['session_id']}", headers=bearer(laptop)
    )

    assert response.status_code == 204
    assert await me(client, phone) == 401
    assert await me(client, laptop) == 200
    refreshed = await client.post(
        "/api/auth/token/refresh", json={"refresh_token": phone["refresh_token"]}
    )
    assert refreshed.status_code == 401
    [event] = await revocations_published(db)
    assert event["data"]["session_ids"] == [phone["session_id"]]
    assert event["data"]["reason"] == "revoked"
    assert event["data"]["account_id"] == str(school.admin_id)
    assert event["schoolid"] == str(school.id)
    assert "login" not in str(event)


async def test_anyone_elses_session_is_not_found(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    another_school = await schools.school("Школа № 2")
    colleague = await schools.staff(school, "teacher", "director")
    mine = await login(client, school.admin_login)
    colleagues = await login(client, colleague.login)
    strangers = await login(client, another_school.admin_login)

    for target in (colleagues, strangers, {"session_id": str(uuid.uuid4())}):
        response = await client.delete(
            f"/api/auth/sessions/{target['session_id']}", headers=bearer(mine)
        )
        assert response.status_code == 404, response.text
    assert await me(client, colleagues) == 200
    assert await me(client, strangers) == 200
    # ...and a director sees only their own sessions too.
    listed = (await client.get("/api/auth/sessions", headers=bearer(colleagues))).json()
    assert [s["id"] for s in listed["sessions"]] == [colleagues["session_id"]]


async def test_signing_out_everywhere_ends_every_session_of_the_account_only(
    client: httpx.AsyncClient, db: Database, schools: Schools
) -> None:
    school = await schools.school()
    first = await login(client, school.admin_login)
    second = await login(client, school.admin_login)
    teacher = await schools.staff(school, "teacher")
    theirs = await login(client, teacher.login)

    response = await client.post("/api/auth/logout-all", headers=bearer(second))

    assert response.status_code == 200
    assert response.json() == {"sessions_ended": 2}
    assert (await me(client, first), await me(client, second), await me(client, theirs)) == (
        401,
        401,
        200,
    )
    [event] = await revocations_published(db)
    assert sorted(event["data"]["session_ids"]) == sorted(
        [first["session_id"], second["session_id"]]
    )
    assert event["data"]["reason"] == "logout_all"


async def test_signing_out_ends_the_session_and_its_access_tokens(
    client: httpx.AsyncClient, db: Database, schools: Schools
) -> None:
    school = await schools.school()
    tokens = await login(client, school.admin_login)

    response = await client.post(
        "/api/auth/logout", json={"refresh_token": tokens["refresh_token"]}
    )

    assert response.status_code == 204
    assert await me(client, tokens) == 401
    [event] = await revocations_published(db)
    assert event["data"]["reason"] == "logout"
    # Signing out again publishes nothing more.
    await client.post("/api/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert len(await revocations_published(db)) == 1


async def test_a_reused_refresh_token_ends_the_session_everywhere(
    client: httpx.AsyncClient, db: Database, schools: Schools
) -> None:
    school = await schools.school()
    stolen = await login(client, school.admin_login)
    rotated = (
        await client.post(
            "/api/auth/token/refresh", json={"refresh_token": stolen["refresh_token"]}
        )
    ).json()
    assert await me(client, rotated) == 200

    replay = await client.post(
        "/api/auth/token/refresh", json={"refresh_token": stolen["refresh_token"]}
    )

    assert replay.status_code == 401
    assert await me(client, rotated) == 401  # the access token of the rotation too
    [event] = await revocations_published(db)
    assert event["data"] == event["data"] | {
        "reason": "refresh_reused",
        "session_ids": [stolen["session_id"]],
    }


async def test_disabling_an_account_refuses_its_tokens_and_publishes_it(
    client: httpx.AsyncClient, db: Database, schools: Schools, settings: Settings
) -> None:
    school = await schools.school()
    teacher = await schools.staff(school, "teacher")
    tokens = await login(client, teacher.login)

    async with db.transaction() as session:
        assert await sessions.disable_account(session, settings, teacher.account_id)
        assert not await sessions.disable_account(session, settings, teacher.account_id)

    assert await me(client, tokens) == 401
    refreshed = await client.post(
        "/api/auth/token/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 401
    [event] = await revocations_published(db, "auth.account.disabled.v1")
    assert event["data"]["account_id"] == str(teacher.account_id)
    async with db.transaction() as session:
        live = await session.scalar(
            text("SELECT count(*) FROM sessions WHERE account_id = :a AND revoked_at IS NULL"),
            {"a": teacher.account_id},
        )
    assert live == 0


async def test_session_endpoints_require_a_users_token(client: httpx.AsyncClient) -> None:
    for method, path in [
        ("GET", "/api/auth/sessions"),
        ("POST", "/api/auth/logout-all"),
        ("DELETE", f"/api/auth/sessions/{uuid.uuid4()}"),
    ]:
        assert (await client.request(method, path)).status_code == 401
        stranger = TokenFactory().token(school_id=uuid.uuid4(), roles=["sysadmin"])
        response = await client.request(
            method, path, headers={"Authorization": f"Bearer {stranger}"}
        )
        assert response.status_code == 401  # signed by a key auth never had


@pytest.mark.parametrize("session_id", ["not-a-uuid", "1", "%00"])
async def test_ending_a_session_refuses_a_malformed_id(
    client: httpx.AsyncClient, schools: Schools, session_id: str
) -> None:
    school = await schools.school()
    tokens = await login(client, school.admin_login)
    response = await client.delete(f"/api/auth/sessions/{session_id}", headers=bearer(tokens))
    assert response.status_code == 422
    assert await me(client, tokens) == 200
