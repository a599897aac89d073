"""Staff roles: the grant table, announcements to the director, across schools."""

import uuid

import httpx
import pytest
from auth_testkit import AccountRef, SchoolRef, Schools, count, outbox_envelopes

from auth.roles import GRANTABLE, RANK, STAFF_ROLES
from shared.db import Database


async def written(db: Database) -> tuple[int, ...]:
    return tuple(
        [
            await count(db, f"SELECT count(*) FROM {table}")
            for table in ("account_roles", "audit_trail", "outbox")
        ]
    )


def path(account: uuid.UUID, role: str) -> str:
    return f"/api/auth/accounts/{account}/roles/{role}"


async def grantor_of(schools: Schools, school: SchoolRef, role: str) -> AccountRef:
    if role == "sysadmin":
        return AccountRef(school.admin_id, school.admin_login)
    return await schools.staff(school, role)


def test_nobody_grants_a_role_above_their_own_but_the_first_director() -> None:
    for issuer, roles in GRANTABLE.items():
        above = {r for r in roles if RANK[r] > RANK[issuer]}
        assert above <= ({"director"} if issuer == "sysadmin" else set())
    assert set(RANK) == set(STAFF_ROLES)


# Whether the grantor may grant the role, in a school that already has a director.
EXPECTED = {
    ("sysadmin", "sysadmin"): True,
    ("sysadmin", "deputy"): True,
    ("sysadmin", "teacher"): True,
    ("sysadmin", "class_teacher"): True,
    ("sysadmin", "director"): False,
    ("director", "director"): True,
    ("director", "deputy"): True,
    ("director", "teacher"): False,
    ("director", "class_teacher"): False,
    ("director", "sysadmin"): False,
}


@pytest.mark.parametrize("grantor", ["sysadmin", "director", "deputy", "teacher", "class_teacher"])
@pytest.mark.parametrize("role", list(STAFF_ROLES))
async def test_the_grant_table(
    db: Database, client: httpx.AsyncClient, schools: Schools, grantor: str, role: str
) -> None:
    school = await schools.school()
    await schools.staff(school, "director")
    me = await grantor_of(schools, school, grantor)
    headers = await schools.bearer(me.login)
    target = await schools.staff(school, "teacher" if role != "teacher" else "class_teacher")
    before = await written(db)

    granted = await client.put(path(target.account_id, role), headers=headers)

    if EXPECTED.get((grantor, role), False):
        assert granted.status_code == 200, granted.text
        assert role in granted.json()["roles"]
        revoked = await client.delete(path(target.account_id, role), headers=headers)
        assert revoked.status_code == 200
        assert role not in revoked.json()["roles"]
    else:
        assert granted.status_code == 403
        assert await written(db) == before


async def test_the_sysadmin_appoints_the_first_director_only(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    headers = await schools.bearer(school.admin_login)
    first, second = await schools.staff(school, "teacher"), await schools.staff(school, "teacher")

    assert (
        await client.put(path(first.account_id, "director"), headers=headers)
    ).status_code == 200
    assert (
        await client.put(path(second.account_id, "director"), headers=headers)
    ).status_code == 403
    # Nor can the sysadmin take the director's role away.
    assert (
        await client.delete(path(first.account_id, "director"), headers=headers)
    ).status_code == 403


async def test_a_deputy_grant_is_announced_to_the_director_and_audited(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    director = await schools.staff(school, "director")
    teacher = await schools.staff(school, "teacher")

    response = await client.put(
        path(teacher.account_id, "deputy"), headers=await schools.bearer(school.admin_login)
    )

    assert response.status_code == 200
    assert response.json() == {
        "account_id": str(teacher.account_id),
        "roles": ["deputy", "teacher"],
    }
    [event] = [e for e in await outbox_envelopes(db) if e["type"] == "auth.role.granted.v1"]
    assert event["subject"] == f"account/{teacher.account_id}"
    assert event["data"] == {
        "account_id": str(teacher.account_id),
        "role": "deputy",
        "granted_by": str(school.admin_id),
        "announce_to": [str(director.account_id)],
    }
    assert event["version"] == 2
    audited = await count(
        db,
        "SELECT count(*) FROM audit_trail WHERE action = 'role.granted' AND account_id = :a "
        "AND actor_id = :by AND detail->>'role' = 'deputy'",
        a=teacher.account_id,
        by=school.admin_id,
    )
    assert audited == 1


async def test_a_teacher_grant_is_published_but_not_announced(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    await schools.staff(school, "director")
    teacher = await schools.staff(school, "teacher")
    await client.put(
        path(teacher.account_id, "class_teacher"),
        headers=await schools.bearer(school.admin_login),
    )
    [event] = [e for e in await outbox_envelopes(db) if e["type"] == "auth.role.granted.v1"]
    assert event["data"]["announce_to"] == []


async def test_creating_a_deputy_account_is_announced_to_the_director(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    director = await schools.staff(school, "director")
    response = await client.post(
        "/api/auth/staff",
        json={"last_name": "Завучева", "first_name": "Ирина", "roles": ["deputy", "teacher"]},
        headers=await schools.bearer(school.admin_login),
    )
    assert response.status_code == 201
    [event] = [e for e in await outbox_envelopes(db) if e["type"] == "auth.role.granted.v1"]
    assert event["data"]["role"] == "deputy"
    assert event["data"]["announce_to"] == [str(director.account_id)]


async def test_granting_a_held_role_or_revoking_one_not_held_changes_nothing(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    teacher = await schools.staff(school, "teacher")
    headers = await schools.bearer(school.admin_login)
    before = await written(db)
    held = await client.put(path(teacher.account_id, "teacher"), headers=headers)
    not_held = await client.delete(path(teacher.account_id, "deputy"), headers=headers)
    assert held.status_code == not_held.status_code == 200
    assert held.json()["roles"] == not_held.json()["roles"] == ["teacher"]
    assert await written(db) == before


async def test_the_last_sysadmin_keeps_the_role(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    headers = await schools.bearer(school.admin_login)
    response = await client.delete(path(school.admin_id, "sysadmin"), headers=headers)
    assert response.status_code == 409
    assert response.json()["type"] == "urn:school:problem:last-sysadmin"
    second = await schools.staff(school, "sysadmin")
    assert (
        await client.delete(path(second.account_id, "sysadmin"), headers=headers)
    ).status_code == 200


async def test_a_role_taken_away_stops_granting_at_once(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    second = await schools.staff(school, "sysadmin")
    stale = await schools.bearer(second.login)  # a token still naming sysadmin
    await client.delete(
        path(second.account_id, "sysadmin"), headers=await schools.bearer(school.admin_login)
    )
    teacher = await schools.staff(school, "teacher")
    response = await client.put(path(teacher.account_id, "class_teacher"), headers=stale)
    assert response.status_code == 403


async def test_roles_across_schools_are_404(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    school, other = await schools.school(), await schools.school("Школа № 2")
    stranger = await schools.staff(other, "teacher")
    headers = await schools.bearer(school.admin_login)
    before = await written(db)
    for method in ("PUT", "DELETE"):
        foreign = await client.request(
            method, path(stranger.account_id, "teacher"), headers=headers
        )
        missing = await client.request(method, path(uuid.uuid4(), "teacher"), headers=headers)
        assert foreign.status_code == missing.status_code == 404
    assert await written(db) == before


async def test_staff_roles_are_for_staff_accounts(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    student = await schools.credentials(school, await schools.student(school), "student")
    response = await client.put(
        path(student.account_id, "teacher"), headers=await schools.bearer(school.admin_login)
    )
    assert response.status_code == 409
    assert response.json()["type"] == "urn:school:problem:not-staff"


@pytest.mark.parametrize("role", ["student", "parent", "superuser", "Teacher"])
async def test_unknown_roles_are_422(
    client: httpx.AsyncClient, schools: Schools, role: str
) -> None:
    school = await schools.school()
    teacher = await schools.staff(school, "teacher")
    headers = await schools.bearer(school.admin_login)
    assert (await client.put(path(teacher.account_id, role), headers=headers)).status_code == 422
    assert (await client.delete(path(teacher.account_id, role), headers=headers)).status_code == 422


async def test_roles_need_a_staff_grantor_with_a_token(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    teacher = await schools.staff(school, "teacher")
    parent = await schools.credentials(
        school, await schools.guardian(school, await schools.student(school)), "parent"
    )
    assert (await client.put(path(teacher.account_id, "deputy"))).status_code == 401
    as_parent = await client.put(
        path(teacher.account_id, "deputy"), headers=await schools.bearer(parent.login)
    )
    assert as_parent.status_code == 403
    bad = await client.put(
        "/api/auth/accounts/nope/roles/teacher", headers=await schools.bearer(school.admin_login)
    )
    assert bad.status_code == 422
