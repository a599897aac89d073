"""A guardian's consents (152-FZ), per child and purpose; and the audit trail."""

import uuid

import httpx
import pytest
from auth_testkit import Schools, count, outbox_envelopes
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from shared.db import Database

PURPOSES = ["portal_marks", "district_systems", "email_notifications"]


async def parent_with_children(schools: Schools) -> tuple[dict[str, str], list[uuid.UUID]]:
    school = await schools.school()
    children = [await schools.student(school), await schools.student(school)]
    parent = await schools.credentials(school, await schools.guardian(school, *children), "parent")
    return await schools.bearer(parent.login), children


async def test_a_parent_sees_every_child_with_every_purpose_not_given_at_first(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    headers, children = await parent_with_children(schools)
    response = await client.get("/api/auth/consents", headers=headers)
    assert response.status_code == 200
    consents = response.json()["consents"]
    assert {(c["student_id"], c["purpose"]) for c in consents} == {
        (str(child), purpose) for child in children for purpose in PURPOSES
    }
    assert not any(c["given"] for c in consents)
    assert all(c["changed_at"] is None for c in consents)


async def test_a_consent_given_and_revoked_is_recorded_and_published(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    headers, [child, _] = await parent_with_children(schools)
    url = f"/api/auth/consents/{child}/email_notifications"

    given = await client.put(url, headers=headers)
    again = await client.put(url, headers=headers)
    revoked = await client.delete(url, headers=headers)

    assert given.status_code == again.status_code == revoked.status_code == 200
    assert given.json()["given"] is True and given.json()["changed_at"]
    assert again.json() == given.json()
    assert revoked.json()["given"] is False
    events = [
        e
        for e in await outbox_envelopes(db)
        if e["type"] in {"auth.consent.given.v1", "auth.consent.revoked.v1"}
    ]
    assert [(e["type"], e["version"]) for e in events] == [
        ("auth.consent.given.v1", 1),
        ("auth.consent.revoked.v1", 2),
    ]
    assert events[0]["data"]["student_id"] == str(child)
    assert events[0]["data"]["purpose"] == "email_notifications"
    assert set(events[0]["data"]) == {"student_id", "purpose", "guardian_account_id"}
    assert (
        await count(
            db,
            "SELECT count(*) FROM audit_trail WHERE action IN ('consent.given', "
            "'consent.revoked') AND detail->>'student_id' = :s",
            s=str(child),
        )
        == 2
    )
    listed = (await client.get("/api/auth/consents", headers=headers)).json()["consents"]
    [mine] = [
        c for c in listed if c["student_id"] == str(child) and c["purpose"] == "email_notifications"
    ]
    assert mine["given"] is False and mine["changed_at"]


async def test_revoking_a_consent_never_given_publishes_nothing(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    headers, [child, _] = await parent_with_children(schools)
    before = await count(db, "SELECT count(*) FROM outbox")
    response = await client.delete(f"/api/auth/consents/{child}/portal_marks", headers=headers)
    assert response.status_code == 200 and response.json()["given"] is False
    assert await count(db, "SELECT count(*) FROM outbox") == before


async def test_another_childs_consent_is_404(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    headers, _ = await parent_with_children(schools)
    school = await schools.school("Школа № 2")
    stranger = await schools.student(school)
    before = await count(db, "SELECT count(*) FROM consents")
    for method in ("PUT", "DELETE"):
        foreign = await client.request(
            method, f"/api/auth/consents/{stranger}/portal_marks", headers=headers
        )
        assert foreign.status_code == 404
    assert await count(db, "SELECT count(*) FROM consents") == before


@pytest.mark.parametrize("who", ["student", "teacher", "deputy"])
async def test_only_a_parent_gives_consents(
    client: httpx.AsyncClient, schools: Schools, who: str
) -> None:
    school = await schools.school()
    child = await schools.student(school)
    account = (
        await schools.credentials(school, child, "student")
        if who == "student"
        else await schools.staff(school, who)
    )
    headers = await schools.bearer(account.login)
    assert (await client.get("/api/auth/consents", headers=headers)).status_code == 403
    put = await client.put(f"/api/auth/consents/{child}/portal_marks", headers=headers)
    assert put.status_code == 403
    assert (await client.get("/api/auth/consents")).status_code == 401


@pytest.mark.parametrize(
    "path", ["/api/auth/consents/{child}/photos", "/api/auth/consents/not-a-uuid/portal_marks"]
)
async def test_bad_consent_paths_are_422(
    client: httpx.AsyncClient, schools: Schools, path: str
) -> None:
    headers, [child, _] = await parent_with_children(schools)
    for method in ("PUT", "DELETE"):
        response = await client.request(method, path.format(child=child), headers=headers)
        assert response.status_code == 422


# --- the audit trail --------------------------------------------------------------------


async def test_the_audit_trail_names_who_issued_and_who_changed_roles(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    headers = await schools.bearer(school.admin_login)
    created = (
        await client.post(
            "/api/auth/staff",
            json={"last_name": "Лебедева", "first_name": "Нина", "roles": ["teacher"]},
            headers=headers,
        )
    ).json()
    account = created["account_id"]
    await client.put(f"/api/auth/accounts/{account}/roles/class_teacher", headers=headers)
    await client.post(f"/api/auth/accounts/{account}/activation-code", headers=headers)
    async with db.transaction() as session:
        rows = (
            await session.execute(
                text(
                    "SELECT action, actor_id::text, detail FROM audit_trail "
                    "WHERE account_id = :a ORDER BY id"
                ),
                {"a": uuid.UUID(account)},
            )
        ).all()
    assert [(r[0], r[1]) for r in rows] == [
        ("account.created", str(school.admin_id)),
        ("role.granted", str(school.admin_id)),
        ("code.issued", str(school.admin_id)),
        ("role.granted", str(school.admin_id)),
        ("code.issued", str(school.admin_id)),
    ]
    assert [r[2].get("role") for r in rows if r[0] == "role.granted"] == [
        "teacher",
        "class_teacher",
    ]
    # No code, password or name is in the trail.
    dumped = str(rows)
    assert created["activation"]["code"] not in dumped and "Лебедева" not in dumped


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_trail SET action = 'x'", "DELETE FROM audit_trail", "TRUNCATE audit_trail"],
)
async def test_the_audit_trail_is_append_only(
    db: Database, schools: Schools, statement: str
) -> None:
    await schools.school()
    with pytest.raises(DBAPIError, match="append-only"):
        async with db.transaction() as session:
            await session.execute(text(statement))
