"""Accounts: the sysadmin creates staff, the deputy issues credentials to the roster."""

import uuid
from typing import Any

import httpx
import pytest
from auth_testkit import PASSWORD, Schools, count, outbox_envelopes, random_login

from auth.models import Account
from auth.passwords import Passwords
from auth.service import add_account
from shared.db import Database
from shared.errors import Conflict
from shared.testing import TokenFactory


def staff_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "login": random_login("teacher"),
        "last_name": "Морозова",
        "first_name": "Елена",
        "middle_name": "Сергеевна",
        "roles": ["teacher"],
    }
    body.update(changes)
    return body


async def written(db: Database) -> tuple[int, int, int]:
    return (
        await count(db, "SELECT count(*) FROM accounts"),
        await count(db, "SELECT count(*) FROM account_roles"),
        await count(db, "SELECT count(*) FROM outbox"),
    )


# --- staff ------------------------------------------------------------------------------


async def test_sysadmin_creates_a_staff_account_its_holder_activates(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    body = staff_body(roles=["teacher", "class_teacher"])

    response = await client.post(
        "/api/auth/staff", json=body, headers=await schools.bearer(school.admin_login)
    )

    assert response.status_code == 201
    created = response.json()
    assert created == {
        "account_id": created["account_id"],
        "school_id": str(school.id),
        "login": body["login"],
        "kind": "staff",
        "roles": ["teacher", "class_teacher"],
        "last_name": "Морозова",
        "first_name": "Елена",
        "middle_name": "Сергеевна",
        "activation": created["activation"],
    }
    tokens = await schools.activate(body["login"], created["activation"]["code"])
    me = (
        await client.get(
            "/api/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
        )
    ).json()
    assert me["roles"] == ["class_teacher", "teacher"]
    assert me["school"]["id"] == str(school.id)


async def test_staff_creation_emits_staff_account_created(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    response = await client.post(
        "/api/auth/staff",
        json=staff_body(middle_name=None),
        headers=await schools.bearer(school.admin_login),
    )
    account_id = response.json()["account_id"]

    [event] = [
        e
        for e in await outbox_envelopes(db)
        if e["type"] == "auth.staff.created.v1" and e["subject"] == f"account/{account_id}"
    ]
    assert event["schoolid"] == str(school.id)
    assert event["data"] == {
        "account_id": account_id,
        "last_name": "Морозова",
        "first_name": "Елена",
        "middle_name": None,
        "roles": ["teacher"],
    }


@pytest.mark.parametrize("roles", [["deputy"], ["teacher"], ["director"], ["class_teacher"]])
async def test_only_a_sysadmin_creates_staff(
    db: Database, client: httpx.AsyncClient, schools: Schools, roles: list[str]
) -> None:
    school = await schools.school()
    someone = await schools.staff(school, *roles)
    headers = await schools.bearer(someone.login)
    before = await written(db)

    response = await client.post("/api/auth/staff", json=staff_body(), headers=headers)

    assert response.status_code == 403
    assert response.json()["type"] == "urn:school:problem:forbidden"
    assert await written(db) == before


async def test_staff_creation_requires_a_valid_token(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    before = await written(db)
    anonymous = await client.post("/api/auth/staff", json=staff_body())
    foreign = TokenFactory().token(school_id=school.id, roles=["sysadmin"])
    forged = await client.post(
        "/api/auth/staff", json=staff_body(), headers={"Authorization": f"Bearer {foreign}"}
    )
    assert anonymous.status_code == forged.status_code == 401
    assert await written(db) == before


@pytest.mark.parametrize(
    "changes",
    [
        {"password": PASSWORD},
        {"roles": []},
        {"roles": ["student"]},
        {"roles": ["superuser"]},
        {"login": "a b"},
        {"login": "ab"},
        {"login": "Иванов"},
        {"last_name": "   "},
        {"first_name": None},
        {"is_active": False},
        {"school_id": str(uuid.uuid4())},
    ],
    ids=[
        "password-set-by-the-issuer",
        "no-roles",
        "student-role",
        "unknown-role",
        "space-in-login",
        "short-login",
        "cyrillic-login",
        "blank-name",
        "null-name",
        "unknown-field",
        "school-from-body",
    ],
)
async def test_invalid_staff_requests_are_422_and_write_nothing(
    db: Database, client: httpx.AsyncClient, schools: Schools, changes: dict[str, Any]
) -> None:
    school = await schools.school()
    headers = await schools.bearer(school.admin_login)
    before = await written(db)

    response = await client.post("/api/auth/staff", json=staff_body(**changes), headers=headers)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert await written(db) == before


async def test_malformed_json_is_422_and_writes_nothing(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    headers = {**await schools.bearer(school.admin_login), "content-type": "application/json"}
    before = await written(db)
    response = await client.post("/api/auth/staff", content=b'{"login": ', headers=headers)
    assert response.status_code == 422
    assert await written(db) == before


async def test_a_login_taken_in_any_case_is_409(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    other_school = await schools.school("Школа № 2")
    headers = await schools.bearer(school.admin_login)
    before = await written(db)

    for login in (school.admin_login, school.admin_login.upper(), other_school.admin_login):
        response = await client.post(
            "/api/auth/staff", json=staff_body(login=login), headers=headers
        )
        assert response.status_code == 409
        assert response.json()["type"] == "urn:school:problem:login-taken"
    assert await written(db) == before


async def test_staff_are_created_in_the_sysadmins_own_school(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    await schools.school("Школа № 2")
    response = await client.post(
        "/api/auth/staff", json=staff_body(), headers=await schools.bearer(school.admin_login)
    )
    assert response.json()["school_id"] == str(school.id)


# --- credentials for students and parents -----------------------------------------------


def credentials_body(person_id: uuid.UUID, kind: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "person_id": str(person_id),
        "kind": kind,
        "login": random_login(kind),
    }
    body.update(changes)
    return body


async def test_deputy_issues_credentials_to_a_student_on_the_roster(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    deputy = await schools.staff(school, "deputy")
    student_id = await schools.student(school)
    body = credentials_body(student_id, "student")

    response = await client.post(
        "/api/auth/credentials", json=body, headers=await schools.bearer(deputy.login)
    )

    assert response.status_code == 201
    issued = response.json()
    assert issued == {
        "account_id": issued["account_id"],
        "school_id": str(school.id),
        "person_id": str(student_id),
        "kind": "student",
        "login": body["login"],
        "activation": issued["activation"],
    }
    [event] = [e for e in await outbox_envelopes(db) if e["type"] == "auth.credentials.issued.v1"]
    assert event["data"] == {
        "account_id": issued["account_id"],
        "person_id": str(student_id),
        "kind": "student",
    }
    assert event["schoolid"] == str(school.id)
    await schools.activate(body["login"], issued["activation"]["code"])


async def test_deputy_issues_credentials_to_a_parent_on_the_roster(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    deputy = await schools.staff(school, "deputy")
    guardian_id = await schools.guardian(school, await schools.student(school))
    response = await client.post(
        "/api/auth/credentials",
        json=credentials_body(guardian_id, "parent"),
        headers=await schools.bearer(deputy.login),
    )
    assert response.status_code == 201
    assert response.json()["kind"] == "parent"


async def test_credentials_for_a_person_not_on_the_roster_are_404(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    deputy = await schools.staff(school, "deputy")
    headers = await schools.bearer(deputy.login)
    before = await written(db)
    response = await client.post(
        "/api/auth/credentials", json=credentials_body(uuid.uuid4(), "student"), headers=headers
    )
    assert response.status_code == 404
    assert await written(db) == before


async def test_credentials_for_another_schools_person_are_404(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    other_school = await schools.school("Школа № 2")
    deputy = await schools.staff(school, "deputy")
    stranger = await schools.student(other_school)
    headers = await schools.bearer(deputy.login)
    before = await written(db)
    response = await client.post(
        "/api/auth/credentials", json=credentials_body(stranger, "student"), headers=headers
    )
    assert response.status_code == 404
    assert await written(db) == before


async def test_credentials_must_match_the_roster_kind(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    deputy = await schools.staff(school, "deputy")
    student_id = await schools.student(school)
    guardian_id = await schools.guardian(school, student_id)
    headers = await schools.bearer(deputy.login)
    as_parent = await client.post(
        "/api/auth/credentials", json=credentials_body(student_id, "parent"), headers=headers
    )
    as_student = await client.post(
        "/api/auth/credentials", json=credentials_body(guardian_id, "student"), headers=headers
    )
    assert as_parent.status_code == as_student.status_code == 404


@pytest.mark.parametrize("roles", [["teacher"], ["class_teacher"], ["sysadmin"], ["director"]])
async def test_only_the_deputy_issues_credentials(
    db: Database, client: httpx.AsyncClient, schools: Schools, roles: list[str]
) -> None:
    school = await schools.school()
    someone = await schools.staff(school, *roles)
    student_id = await schools.student(school)
    headers = await schools.bearer(someone.login)
    before = await written(db)
    response = await client.post(
        "/api/auth/credentials", json=credentials_body(student_id, "student"), headers=headers
    )
    assert response.status_code == 403
    assert await written(db) == before


async def test_a_parent_or_student_cannot_issue_credentials(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    student_id = await schools.student(school)
    student = await schools.credentials(school, student_id, "student")
    response = await client.post(
        "/api/auth/credentials",
        json=credentials_body(uuid.uuid4(), "student"),
        headers=await schools.bearer(student.login),
    )
    assert response.status_code == 403


async def test_credentials_require_a_token(client: httpx.AsyncClient, schools: Schools) -> None:
    school = await schools.school()
    response = await client.post(
        "/api/auth/credentials", json=credentials_body(await schools.student(school), "student")
    )
    assert response.status_code == 401


async def test_a_person_gets_one_account_only(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    deputy = await schools.staff(school, "deputy")
    student_id = await schools.student(school)
    headers = await schools.bearer(deputy.login)
    first = await client.post(
        "/api/auth/credentials", json=credentials_body(student_id, "student"), headers=headers
    )
    assert first.status_code == 201
    before = await written(db)

    second = await client.post(
        "/api/auth/credentials", json=credentials_body(student_id, "student"), headers=headers
    )

    assert second.status_code == 409
    assert second.json()["type"] == "urn:school:problem:credentials-exist"
    assert await written(db) == before


async def test_credentials_with_a_taken_login_are_409(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    deputy = await schools.staff(school, "deputy")
    response = await client.post(
        "/api/auth/credentials",
        json=credentials_body(await schools.student(school), "student", login=deputy.login),
        headers=await schools.bearer(deputy.login),
    )
    assert response.status_code == 409
    assert response.json()["type"] == "urn:school:problem:login-taken"


@pytest.mark.parametrize(
    "changes",
    [
        {"password": PASSWORD},
        {"kind": "teacher"},
        {"person_id": "not-a-uuid"},
        {"is_active": True},
        {"login": "no spaces allowed"},
        {"login": None},
        {"login": None, "last_name": "Иванов"},
        {"login": None, "last_name": "Иванов", "first_name": " "},
    ],
    ids=[
        "password-set-by-the-issuer",
        "staff-kind",
        "bad-person-id",
        "unknown-field",
        "bad-login",
        "no-login-no-names",
        "no-login-no-first-name",
        "no-login-blank-first-name",
    ],
)
async def test_invalid_credentials_requests_are_422_and_write_nothing(
    db: Database, client: httpx.AsyncClient, schools: Schools, changes: dict[str, Any]
) -> None:
    school = await schools.school()
    deputy = await schools.staff(school, "deputy")
    student_id = await schools.student(school)
    headers = await schools.bearer(deputy.login)
    before = await written(db)
    body = {**credentials_body(student_id, "student"), **changes}
    response = await client.post("/api/auth/credentials", json=body, headers=headers)
    assert response.status_code == 422
    assert await written(db) == before


async def test_a_concurrent_duplicate_that_slips_past_the_check_is_still_409(
    db: Database, schools: Schools, passwords: Passwords
) -> None:
    # Two requests may both pass the "login free?" check; the unique index decides.
    school = await schools.school()
    twin = Account(
        id=uuid.uuid4(),
        school_id=school.id,
        login=school.admin_login.upper(),
        password_hash=await passwords.hash(PASSWORD),
        kind="staff",
        last_name="Двойник",
        first_name="Иван",
    )
    with pytest.raises(Conflict) as raised:
        async with db.transaction() as session:
            await add_account(session, twin, ["teacher"])
    assert raised.value.slug == "login-taken"
    assert await count(db, "SELECT count(*) FROM accounts WHERE id = :id", id=twin.id) == 0
