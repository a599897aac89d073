"""Sessions: refresh tokens rotate on use, reuse revokes the family, logout ends it; /me."""

import hashlib
import uuid

import httpx
import jwt
from auth_testkit import Schools
from sqlalchemy import text

from auth import service
from shared.db import Database


async def refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/api/auth/token/refresh", json={"refresh_token": token})


async def test_refresh_rotates_the_refresh_token_and_answers_a_fresh_access_token(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    first = await schools.login(school.admin_login)

    response = await refresh(client, first["refresh_token"])

    assert response.status_code == 200
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert second["token_type"] == "Bearer"
    me = await client.get(
        "/api/auth/me", headers={"Authorization": f"Bearer {second['access_token']}"}
    )
    assert me.status_code == 200
    assert (await refresh(client, second["refresh_token"])).status_code == 200


async def test_refresh_tokens_are_stored_only_as_hashes(db: Database, schools: Schools) -> None:
    school = await schools.school()
    token = (await schools.login(school.admin_login))["refresh_token"]
    async with db.transaction() as session:
        stored = set(await session.scalars(text("SELECT token_hash FROM refresh_tokens")))
    assert token not in stored
    assert hashlib.sha256(token.encode()).hexdigest() in stored


async def test_reusing_a_spent_refresh_token_revokes_the_whole_family(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    stolen = (await schools.login(school.admin_login))["refresh_token"]
    current = (await refresh(client, stolen)).json()["refresh_token"]

    replay = await refresh(client, stolen)

    assert replay.status_code == 401
    assert replay.json()["type"] == "urn:school:problem:invalid-refresh-token"
    # The legitimate holder's newer token died with the family.
    assert (await refresh(client, current)).status_code == 401


async def test_reuse_revokes_only_its_own_family(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    phone = (await schools.login(school.admin_login))["refresh_token"]
    laptop = (await schools.login(school.admin_login))["refresh_token"]
    await refresh(client, phone)
    await refresh(client, phone)  # reuse: the phone's family is revoked
    assert (await refresh(client, laptop)).status_code == 200


async def test_an_expired_refresh_token_is_rejected(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    token = (await schools.login(school.admin_login))["refresh_token"]
    async with db.transaction() as session:
        await session.execute(
            text("UPDATE refresh_tokens SET expires_at = now() - interval '1 second'")
        )
    assert (await refresh(client, token)).status_code == 401


async def test_an_unknown_refresh_token_is_rejected(client: httpx.AsyncClient) -> None:
    response = await refresh(client, "made-up-token")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_disabled_account_cannot_refresh(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    token = (await schools.login(school.admin_login))["refresh_token"]
    async with db.transaction() as session:
        await session.execute(
            text("UPDATE accounts SET is_active = false WHERE id = :id"), {"id": school.admin_id}
        )
    assert (await refresh(client, token)).status_code == 401


async def test_refresh_reads_the_current_children_of_a_parent(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    elder = await schools.student(school)
    parent_id = await schools.guardian(school, elder)
    account = await schools.credentials(school, parent_id, "parent")
    tokens = await schools.login(account.login)
    younger = uuid.uuid4()
    async with db.transaction() as session:
        await service.record_guardianship(
            session, school_id=school.id, guardian_id=parent_id, student_id=younger
        )

    renewed = (await refresh(client, tokens["refresh_token"])).json()

    claims = jwt.decode(renewed["access_token"], options={"verify_signature": False})
    assert set(claims["children"]) == {str(elder), str(younger)}


async def test_logout_revokes_the_family(client: httpx.AsyncClient, schools: Schools) -> None:
    school = await schools.school()
    first = (await schools.login(school.admin_login))["refresh_token"]
    second = (await refresh(client, first)).json()["refresh_token"]

    response = await client.post("/api/auth/logout", json={"refresh_token": first})

    assert response.status_code == 204
    assert (await refresh(client, second)).status_code == 401


async def test_logout_with_an_unknown_token_answers_the_same(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/logout", json={"refresh_token": "made-up"})
    assert response.status_code == 204


async def test_refresh_and_logout_reject_unknown_fields(client: httpx.AsyncClient) -> None:
    for path in ("/api/auth/token/refresh", "/api/auth/logout"):
        response = await client.post(path, json={"refresh_token": "x", "extra": 1})
        assert response.status_code == 422


async def test_me_describes_a_staff_account_with_names_and_school(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school("Гимназия № 2")
    teacher = await schools.staff(school, "teacher", "class_teacher")

    response = await client.get("/api/auth/me", headers=await schools.bearer(teacher.login))

    assert response.status_code == 200
    assert response.json() == {
        "account_id": str(teacher.account_id),
        "login": teacher.login,
        "kind": "staff",
        "school": {"id": str(school.id), "name": "Гимназия № 2", "timezone": "Europe/Moscow"},
        "roles": ["class_teacher", "teacher"],
        "person_id": None,
        "children": [],
        "last_name": "Петрова",
        "first_name": "Анна",
        "middle_name": None,
    }


async def test_me_describes_a_parent_by_roster_id_and_children_without_names(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    child = await schools.student(school)
    parent_id = await schools.guardian(school, child)
    account = await schools.credentials(school, parent_id, "parent")

    body = (await client.get("/api/auth/me", headers=await schools.bearer(account.login))).json()

    assert body["kind"] == "parent"
    assert body["roles"] == ["parent"]
    assert body["person_id"] == str(parent_id)
    assert body["children"] == [str(child)]
    assert body["last_name"] is None and body["first_name"] is None


async def test_me_requires_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/auth/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
