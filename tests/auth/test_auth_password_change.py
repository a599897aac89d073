"""Changing one's own password: the current one required and throttled like a sign-in,
the policy applied, the other sessions ended and this one kept; and the roles a caller
may grant, as the screens offer them."""

from typing import Any

import httpx
import pytest
from auth_testkit import PASSWORD, RecordingSleeper, Schools, count

from shared.db import Database

NEW = "крепкий пароль 2026"
PATH = "/api/auth/me/password"


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def change(
    client: httpx.AsyncClient, tokens: dict[str, Any], current: str, new: str
) -> httpx.Response:
    return await client.post(
        PATH, json={"current_password": current, "new_password": new}, headers=bearer(tokens)
    )


async def password_hash(db: Database, login: str) -> str:
    async with db.transaction() as session:
        from sqlalchemy import text

        value = await session.scalar(
            text("SELECT password_hash FROM accounts WHERE login = :login"), {"login": login}
        )
    return str(value)


async def test_a_change_keeps_this_session_and_ends_the_others(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    teacher = await schools.staff(school, "teacher")
    here = await schools.login(teacher.login)
    elsewhere = await schools.login(teacher.login)

    response = await change(client, here, PASSWORD, NEW)

    assert response.status_code == 200, response.text
    assert response.json() == {"sessions_ended": 1}
    assert (await client.get("/api/auth/me", headers=bearer(here))).status_code == 200
    assert (await client.get("/api/auth/me", headers=bearer(elsewhere))).status_code == 401
    refused = await client.post(
        "/api/auth/token/refresh", json={"refresh_token": elsewhere["refresh_token"]}
    )
    assert refused.status_code == 401
    old = await client.post("/api/auth/login", json={"login": teacher.login, "password": PASSWORD})
    assert old.status_code == 401
    await schools.login(teacher.login, NEW)
    assert (
        await count(
            db,
            "SELECT count(*) FROM audit_trail WHERE action = 'password.changed'"
            " AND actor_id = :id AND account_id = :id",
            id=teacher.account_id,
        )
        == 1
    )


async def test_a_student_changes_their_own_password_too(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    student = await schools.credentials(school, await schools.student(school), "student")
    tokens = await schools.login(student.login)

    assert (await change(client, tokens, PASSWORD, NEW)).status_code == 200
    await schools.login(student.login, NEW)


async def test_a_wrong_current_password_is_403_and_changes_nothing(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    teacher = await schools.staff(school, "teacher")
    tokens = await schools.login(teacher.login)
    before = await password_hash(db, teacher.login)

    response = await change(client, tokens, "not my password", NEW)

    assert response.status_code == 403
    assert response.json()["type"] == "urn:school:problem:wrong-password"
    assert await password_hash(db, teacher.login) == before
    # The token is still good: a 401 would have ended the caller's session in the client.
    assert (await client.get("/api/auth/me", headers=bearer(tokens))).status_code == 200


async def test_wrong_current_passwords_are_slowed_like_failed_sign_ins(
    client: httpx.AsyncClient, schools: Schools, sleeper: RecordingSleeper
) -> None:
    school = await schools.school()
    teacher = await schools.staff(school, "teacher")
    tokens = await schools.login(teacher.login)

    for _ in range(6):
        assert (await change(client, tokens, "guess", NEW)).status_code == 403

    assert [d for d in sleeper.delays if d > 0] == [2.0, 4.0]
    # The count is the login's: a sign-in after the guesses waits as well.
    waited = len(sleeper.delays)
    await schools.login(teacher.login)
    assert len(sleeper.delays) > waited


@pytest.mark.parametrize(
    ("new", "reason"),
    [
        ("short", "string_too_short"),
        ("password123", "value_error"),
        ("x" * 257, "string_too_long"),
    ],
)
async def test_the_policy_refuses_a_weak_new_password(
    db: Database, client: httpx.AsyncClient, schools: Schools, new: str, reason: str
) -> None:
    school = await schools.school()
    teacher = await schools.staff(school, "teacher")
    tokens = await schools.login(teacher.login)
    before = await password_hash(db, teacher.login)

    response = await change(client, tokens, PASSWORD, new)

    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors[0]["loc"] == ["body", "new_password"]
    assert errors[0]["type"] == reason
    assert await password_hash(db, teacher.login) == before


@pytest.mark.parametrize("same_as", ["login", "current"])
async def test_the_login_or_the_current_password_is_no_new_password(
    db: Database, client: httpx.AsyncClient, schools: Schools, same_as: str
) -> None:
    school = await schools.school()
    teacher = await schools.staff(school, "teacher")
    tokens = await schools.login(teacher.login)
    new = teacher.login if same_as == "login" else PASSWORD

    response = await change(client, tokens, PASSWORD, new)

    assert response.status_code == 422
    assert response.json()["type"] == "urn:school:problem:weak-password"
    assert response.json()["reasons"]
    await schools.login(teacher.login)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"current_password": PASSWORD},
        {"new_password": NEW},
        {"current_password": "", "new_password": NEW},
        {"current_password": PASSWORD, "new_password": NEW, "extra": 1},
        {"current_password": 5, "new_password": NEW},
    ],
)
async def test_bad_input_is_422(
    client: httpx.AsyncClient, schools: Schools, body: dict[str, Any]
) -> None:
    school = await schools.school()
    tokens = await schools.login(school.admin_login)

    response = await client.post(PATH, json=body, headers=bearer(tokens))

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_no_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post(PATH, json={"current_password": PASSWORD, "new_password": NEW})
    assert response.status_code == 401


async def test_a_disabled_account_changes_nothing(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    teacher = await schools.staff(school, "teacher")
    tokens = await schools.login(teacher.login)
    admin = await schools.bearer(school.admin_login)
    disabled = await client.post(f"/api/auth/accounts/{teacher.account_id}/disable", headers=admin)
    assert disabled.status_code == 204

    assert (await change(client, tokens, PASSWORD, NEW)).status_code in (401, 403)


async def grantable(client: httpx.AsyncClient, headers: dict[str, str]) -> list[str]:
    response = await client.get("/api/auth/me/grantable-roles", headers=headers)
    assert response.status_code == 200, response.text
    roles: list[str] = response.json()["roles"]
    return roles


async def test_the_grantable_roles_follow_the_grant_table(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    admin = await schools.bearer(school.admin_login)
    # No director yet: the sysadmin may appoint the first one.
    assert set(await grantable(client, admin)) == {
        "sysadmin",
        "deputy",
        "teacher",
        "class_teacher",
        "director",
    }
    director = await schools.staff(school, "director")

    assert "director" not in await grantable(client, admin)
    assert set(await grantable(client, await schools.bearer(director.login))) == {
        "director",
        "deputy",
    }
    teacher = await schools.staff(school, "teacher")
    assert await grantable(client, await schools.bearer(teacher.login)) == []
    parent = await schools.credentials(
        school, await schools.guardian(school, await schools.student(school)), "parent"
    )
    assert await grantable(client, await schools.bearer(parent.login)) == []


async def test_grantable_roles_need_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/auth/me/grantable-roles")).status_code == 401


async def test_the_first_sign_in_names_its_device_in_the_sessions_list(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    student = await schools.student(school)
    deputy = await schools.staff(school, "deputy")
    issued = await client.post(
        "/api/auth/credentials",
        json={"person_id": str(student), "kind": "student", "login": "first.sign-in"},
        headers=await schools.bearer(deputy.login),
    )
    assert issued.status_code == 201, issued.text
    response = await client.post(
        "/api/auth/activate",
        json={
            "login": "first.sign-in",
            "code": issued.json()["activation"]["code"],
            "new_password": NEW,
        },
        headers={"User-Agent": "Phone/1.0"},
    )
    assert response.status_code == 200, response.text

    listed = await client.get("/api/auth/sessions", headers=bearer(response.json()))

    assert [s["client"] for s in listed.json()["sessions"]] == ["Phone/1.0"]
