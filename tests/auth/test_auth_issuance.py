"""Issuance as the regulation says: codes, the first sign-in, reissue and reset, disabling,
who may do what (the matrix), and across schools."""

import re
import uuid
from typing import Any

import httpx
import pytest
from auth_testkit import PASSWORD, AccountRef, SchoolRef, Schools, count, outbox_envelopes

from auth.issuance.codes import ALPHABET, new_code, normalize_code
from auth.issuance.logins import login_base, transliterate
from shared.db import Database

NEW_PASSWORD = "my own secret phrase"
CODE = re.compile(rf"^[{ALPHABET}]{{5}}-[{ALPHABET}]{{5}}$")


async def written(db: Database) -> tuple[int, ...]:
    return tuple(
        [
            await count(db, f"SELECT count(*) FROM {table}")
            for table in ("accounts", "activation_codes", "audit_trail", "outbox")
        ]
    )


async def issue_student(
    client: httpx.AsyncClient, schools: Schools, school: SchoolRef, deputy: AccountRef
) -> dict[str, Any]:
    student_id = await schools.student(school)
    response = await client.post(
        "/api/auth/credentials",
        json={
            "person_id": str(student_id),
            "kind": "student",
            "last_name": "Иванова",
            "first_name": "Мария",
            "middle_name": "Петровна",
        },
        headers=await schools.bearer(deputy.login),
    )
    assert response.status_code == 201, response.text
    issued: dict[str, Any] = response.json()
    return issued


async def activate(
    client: httpx.AsyncClient, login: str, code: str, password: str = NEW_PASSWORD
) -> httpx.Response:
    return await client.post(
        "/api/auth/activate", json={"login": login, "code": code, "new_password": password}
    )


async def login(client: httpx.AsyncClient, login: str, password: str) -> httpx.Response:
    return await client.post("/api/auth/login", json={"login": login, "password": password})


# --- codes and logins (pure) ------------------------------------------------------------


def test_codes_are_ten_unambiguous_characters_in_two_groups() -> None:
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(CODE.match(code) for code in codes)
    assert not set("01OIL") & set(ALPHABET)


def test_a_typed_code_is_read_without_case_spaces_or_dashes() -> None:
    assert normalize_code(" 7kq2m xr9td ") == "7KQ2M-XR9TD"
    assert normalize_code("7KQ2MXR9TD") == "7KQ2M-XR9TD"


@pytest.mark.parametrize(
    ("names", "login"),
    [
        (("Иванова", "Мария", "Петровна"), "ivanova.mp"),
        (("Щукин", "Юрий", None), "shchukin.iu"),
        (("Хабибуллина-Цой", "Ёлка", "Ильинична"), "khabibullina-tsoi.ei"),
        (("Ли", "Ян", None), "li.ia"),
        (("Smith", "John", None), "smith.j"),
        (("Подъячев", "Эдуард", "Яковлевич"), "podieiachev.eia"),
    ],
)
def test_logins_are_made_by_the_passport_transliteration(
    names: tuple[str, str, str | None], login: str
) -> None:
    assert login_base(*names) == login


def test_transliteration_drops_what_is_not_a_letter() -> None:
    assert transliterate("О'Коннор") == "okonnor"


# --- the first sign-in ------------------------------------------------------------------


async def test_an_issued_account_opens_only_with_its_code_and_then_with_the_own_password(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    deputy = await schools.staff(school, "deputy")
    issued = await issue_student(client, schools, school, deputy)
    code = issued["activation"]["code"]
    assert CODE.match(code)
    assert issued["login"] == "ivanova.mp"
    # The code is not a password, and there is no password yet.
    assert (await login(client, issued["login"], code)).status_code == 401

    first = await activate(client, issued["login"], code)

    assert first.status_code == 200, first.text
    assert set(first.json()) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert (await login(client, issued["login"], NEW_PASSWORD)).status_code == 200
    again = await activate(client, issued["login"], code, "another password 2")
    assert again.status_code == 401
    assert again.json()["type"] == "urn:school:problem:invalid-activation"
    [event] = [e for e in await outbox_envelopes(db) if e["type"] == "auth.account.activated.v1"]
    assert event["data"] == {"account_id": issued["account_id"], "kind": "student"}
    assert event["version"] == 2
    stored = await count(
        db,
        "SELECT count(*) FROM activation_codes WHERE account_id = :a AND code_hash LIKE "
        "'$argon2id$%' AND strpos(code_hash, :c) = 0",
        a=uuid.UUID(issued["account_id"]),
        c=code,
    )
    assert stored == 1


async def test_a_code_typed_in_small_letters_without_the_dash_activates(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    issued = await issue_student(client, schools, school, await schools.staff(school, "deputy"))
    typed = issued["activation"]["code"].replace("-", "").lower()
    assert (await activate(client, issued["login"].upper(), typed)).status_code == 200


async def test_wrong_codes_void_the_code_after_five_tries(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    issued = await issue_student(client, schools, school, await schools.staff(school, "deputy"))
    right = issued["activation"]["code"]
    wrong = "22222-22222" if right != "22222-22222" else "33333-33333"
    for _ in range(5):
        assert (await activate(client, issued["login"], wrong)).status_code == 401

    assert (await activate(client, issued["login"], right)).status_code == 401
    assert (
        await count(
            db,
            "SELECT count(*) FROM activation_codes WHERE account_id = :a "
            "AND revoked_at IS NOT NULL AND failed_attempts = 5",
            a=uuid.UUID(issued["account_id"]),
        )
        == 1
    )


async def test_an_expired_code_does_not_activate(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    issued = await issue_student(client, schools, school, await schools.staff(school, "deputy"))
    async with db.transaction() as session:
        from sqlalchemy import text

        await session.execute(
            text(
                "UPDATE activation_codes SET expires_at = now() - interval '1 second' "
                "WHERE account_id = :a"
            ),
            {"a": uuid.UUID(issued["account_id"])},
        )
    response = await activate(client, issued["login"], issued["activation"]["code"])
    assert response.status_code == 401


async def test_an_unknown_login_gets_the_same_answer_as_a_wrong_code(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    issued = await issue_student(client, schools, school, await schools.staff(school, "deputy"))
    unknown = await activate(client, "nobody.here", issued["activation"]["code"])
    wrong = await activate(client, issued["login"], "22222-33333")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"login": "ivanova.mp", "code": "22222-22222"},
        {"login": "ivanova.mp", "code": "22222-22222", "new_password": "short"},
        {"login": "", "code": "22222-22222", "new_password": NEW_PASSWORD},
        {"login": "ivanova.mp", "code": "x" * 41, "new_password": NEW_PASSWORD},
        {"login": "ivanova.mp", "code": "22222-22222", "new_password": NEW_PASSWORD, "x": 1},
        {"login": 5, "code": "22222-22222", "new_password": NEW_PASSWORD},
    ],
    ids=["empty", "no-password", "short-password", "empty-login", "long-code", "extra", "number"],
)
async def test_invalid_activation_requests_are_422_and_write_nothing(
    db: Database, client: httpx.AsyncClient, schools: Schools, body: dict[str, Any]
) -> None:
    school = await schools.school()
    await issue_student(client, schools, school, await schools.staff(school, "deputy"))
    before = await written(db)
    response = await client.post("/api/auth/activate", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert await written(db) == before


# --- reissue and reset ------------------------------------------------------------------


async def test_a_new_code_invalidates_the_old_one(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    deputy = await schools.staff(school, "deputy")
    issued = await issue_student(client, schools, school, deputy)

    response = await client.post(
        f"/api/auth/accounts/{issued['account_id']}/activation-code",
        headers=await schools.bearer(deputy.login),
    )

    assert response.status_code == 201, response.text
    again = response.json()
    assert again["login"] == issued["login"] and again["kind"] == "student"
    assert again["activation"]["code"] != issued["activation"]["code"]
    assert (
        await activate(client, issued["login"], issued["activation"]["code"])
    ).status_code == 401
    assert (await activate(client, issued["login"], again["activation"]["code"])).status_code == 200


async def test_a_reset_clears_the_password_ends_the_sessions_and_gives_a_code(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    teacher = await schools.staff(school, "teacher")
    tokens = await schools.login(teacher.login)

    response = await client.post(
        f"/api/auth/accounts/{teacher.account_id}/activation-code",
        headers=await schools.bearer(school.admin_login),
    )

    assert response.status_code == 201
    assert (await login(client, teacher.login, PASSWORD)).status_code == 401
    refreshed = await client.post(
        "/api/auth/token/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 401
    code = response.json()["activation"]["code"]
    assert (await activate(client, teacher.login, code)).status_code == 200
    assert (await login(client, teacher.login, NEW_PASSWORD)).status_code == 200
    actions = await count(
        db,
        "SELECT count(*) FROM audit_trail WHERE account_id = :a AND action = 'password.reset' "
        "AND actor_id = :by",
        a=teacher.account_id,
        by=school.admin_id,
    )
    assert actions == 1


# --- disabling --------------------------------------------------------------------------


async def test_disabling_publishes_once_and_shuts_the_account(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    teacher = await schools.staff(school, "teacher")
    tokens = await schools.login(teacher.login)
    headers = await schools.bearer(school.admin_login)

    first = await client.post(f"/api/auth/accounts/{teacher.account_id}/disable", headers=headers)
    second = await client.post(f"/api/auth/accounts/{teacher.account_id}/disable", headers=headers)

    assert first.status_code == second.status_code == 204
    [event] = [e for e in await outbox_envelopes(db) if e["type"] == "auth.account.disabled.v1"]
    # The times say how long services keep refusing its tokens (shared.revocations).
    times = {"disabled_at", "tokens_expire_by"}
    assert times <= set(event["data"])
    assert {k: v for k, v in event["data"].items() if k not in times} == {
        "account_id": str(teacher.account_id),
        "disabled_by": str(school.admin_id),
    }
    assert event["schoolid"] == str(school.id) and event["time"]
    assert (await login(client, teacher.login, PASSWORD)).status_code == 401
    refreshed = await client.post(
        "/api/auth/token/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 401
    reissued = await client.post(
        f"/api/auth/accounts/{teacher.account_id}/activation-code", headers=headers
    )
    assert reissued.status_code == 409
    assert reissued.json()["type"] == "urn:school:problem:account-disabled"


async def test_an_issuer_does_not_disable_themself(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    response = await client.post(
        f"/api/auth/accounts/{school.admin_id}/disable",
        headers=await schools.bearer(school.admin_login),
    )
    assert response.status_code == 409
    assert response.json()["type"] == "urn:school:problem:cannot-disable-self"


async def test_disabling_voids_a_code_not_yet_used(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    deputy = await schools.staff(school, "deputy")
    issued = await issue_student(client, schools, school, deputy)
    await client.post(
        f"/api/auth/accounts/{issued['account_id']}/disable",
        headers=await schools.bearer(deputy.login),
    )
    assert (
        await activate(client, issued["login"], issued["activation"]["code"])
    ).status_code == 401


# --- who may: the matrix ----------------------------------------------------------------

CALLERS = ["sysadmin", "director", "deputy", "teacher", "class_teacher", "student", "parent"]
# Which caller issues, reissues, resets and disables which kind of account.
ISSUES = {("sysadmin", "staff"), ("deputy", "student"), ("deputy", "parent")}


async def caller_of(schools: Schools, school: SchoolRef, role: str) -> AccountRef:
    if role == "student":
        return await schools.credentials(school, await schools.student(school), "student")
    if role == "parent":
        guardian = await schools.guardian(school, await schools.student(school))
        return await schools.credentials(school, guardian, "parent")
    if role == "sysadmin":
        return AccountRef(school.admin_id, school.admin_login)
    return await schools.staff(school, role)


async def target_of(schools: Schools, school: SchoolRef, kind: str) -> AccountRef:
    if kind == "staff":
        return await schools.staff(school, "teacher")
    return await caller_of(schools, school, kind)


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("kind", ["staff", "student", "parent"])
async def test_the_issuance_matrix(
    db: Database, client: httpx.AsyncClient, schools: Schools, caller: str, kind: str
) -> None:
    school = await schools.school()
    me = await caller_of(schools, school, caller)
    headers = await schools.bearer(me.login)
    target = await target_of(schools, school, kind)
    allowed = (caller, kind) in ISSUES
    if kind == "staff":
        body: dict[str, Any] = {
            "last_name": "Новикова",
            "first_name": "Ольга",
            "roles": ["teacher"],
        }
        path = "/api/auth/staff"
    else:
        person = await schools.student(school)
        if kind == "parent":
            person = await schools.guardian(school, person)
        body = {"person_id": str(person), "kind": kind, "last_name": "Козлов", "first_name": "Ян"}
        path = "/api/auth/credentials"
    before = await written(db)

    created = await client.post(path, json=body, headers=headers)
    reissued = await client.post(
        f"/api/auth/accounts/{target.account_id}/activation-code", headers=headers
    )
    disabled = await client.post(f"/api/auth/accounts/{target.account_id}/disable", headers=headers)

    statuses = (created.status_code, reissued.status_code, disabled.status_code)
    assert statuses == ((201, 201, 204) if allowed else (403, 403, 403))
    if not allowed:
        assert await written(db) == before


@pytest.mark.parametrize(("caller", "kind"), sorted(ISSUES))
async def test_another_schools_accounts_are_404_to_their_issuers(
    db: Database, client: httpx.AsyncClient, schools: Schools, caller: str, kind: str
) -> None:
    school, other = await schools.school(), await schools.school("Школа № 2")
    me = await caller_of(schools, school, caller)
    headers = await schools.bearer(me.login)
    stranger = await target_of(schools, other, kind)
    before = await written(db)

    for path in ("activation-code", "disable"):
        response = await client.post(
            f"/api/auth/accounts/{stranger.account_id}/{path}", headers=headers
        )
        assert response.status_code == 404
        missing = await client.post(f"/api/auth/accounts/{uuid.uuid4()}/{path}", headers=headers)
        assert missing.status_code == 404
        assert response.json()["detail"] == missing.json()["detail"]
    assert await written(db) == before


@pytest.mark.parametrize("path", ["activation-code", "disable"])
async def test_account_paths_need_a_token_and_a_uuid(
    client: httpx.AsyncClient, schools: Schools, path: str
) -> None:
    school = await schools.school()
    headers = await schools.bearer(school.admin_login)
    assert (await client.post(f"/api/auth/accounts/{school.admin_id}/{path}")).status_code == 401
    bad = await client.post(f"/api/auth/accounts/not-a-uuid/{path}", headers=headers)
    assert bad.status_code == 422


async def test_logins_made_from_the_same_names_get_numbers(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    headers = await schools.bearer(school.admin_login)
    body = {"last_name": "Сидорова", "first_name": "Анна", "roles": ["teacher"]}
    logins = [
        (await client.post("/api/auth/staff", json=body, headers=headers)).json()["login"]
        for _ in range(3)
    ]
    assert logins == ["sidorova.a", "sidorova.a2", "sidorova.a3"]


async def test_the_sysadmin_cannot_create_a_second_director(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    headers = await schools.bearer(school.admin_login)
    body = {"last_name": "Орлова", "first_name": "Вера", "roles": ["director"]}
    first = await client.post("/api/auth/staff", json=body, headers=headers)
    assert first.status_code == 201
    before = await written(db)
    second = await client.post("/api/auth/staff", json=body, headers=headers)
    assert second.status_code == 403
    assert await written(db) == before


# --- a parent with children in two schools ----------------------------------------------


async def test_a_parent_takes_another_schools_guardian_record_and_sees_both_children(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    school, other = await schools.school(), await schools.school("Школа № 2")
    first_child, second_child = await schools.student(school), await schools.student(other)
    parent = await schools.credentials(
        school, await schools.guardian(school, first_child), "parent"
    )
    other_deputy = await schools.staff(other, "deputy")
    record = await schools.guardian(other, second_child)
    slip = (
        await client.post(
            "/api/auth/credentials",
            json={"person_id": str(record), "kind": "parent", "login": "parent-in-two"},
            headers=await schools.bearer(other_deputy.login),
        )
    ).json()
    headers = await schools.bearer(parent.login)

    wrong = await client.post(
        "/api/auth/me/guardian-records",
        json={"login": "parent-in-two", "code": "22222-22222"},
        headers=headers,
    )
    response = await client.post(
        "/api/auth/me/guardian-records",
        json={"login": "parent-in-two", "code": slip["activation"]["code"]},
        headers=headers,
    )

    assert wrong.status_code == 401
    assert response.status_code == 200, response.text
    assert set(response.json()["children"]) == {str(first_child), str(second_child)}
    me = (await client.get("/api/auth/me", headers=await schools.bearer(parent.login))).json()
    assert set(me["children"]) == {str(first_child), str(second_child)}
    assert me["school"]["id"] == str(school.id)  # the home school stays
    assert await count(db, "SELECT count(*) FROM accounts WHERE login = 'parent-in-two'") == 0
    # The record is issued now: its school's deputy cannot issue it again.
    again = await client.post(
        "/api/auth/credentials",
        json={"person_id": str(record), "kind": "parent", "login": "parent-again"},
        headers=await schools.bearer(other_deputy.login),
    )
    assert again.status_code == 409


async def test_only_a_parent_takes_a_guardian_record(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    teacher = await schools.staff(school, "teacher")
    response = await client.post(
        "/api/auth/me/guardian-records",
        json={"login": "someone", "code": "22222-22222"},
        headers=await schools.bearer(teacher.login),
    )
    assert response.status_code == 403


async def test_only_a_parents_slip_not_yet_activated_can_be_taken(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    parent = await schools.credentials(
        school, await schools.guardian(school, await schools.student(school)), "parent"
    )
    student_slip = await issue_student(
        client, schools, school, await schools.staff(school, "deputy")
    )
    response = await client.post(
        "/api/auth/me/guardian-records",
        json={"login": student_slip["login"], "code": student_slip["activation"]["code"]},
        headers=await schools.bearer(parent.login),
    )
    assert response.status_code == 409
    assert response.json()["type"] == "urn:school:problem:not-attachable"


@pytest.mark.parametrize(
    "body",
    [{}, {"login": "x"}, {"code": "22222-22222"}, {"login": "x", "code": "y" * 41},
     {"login": "x", "code": "22222-22222", "extra": True}],
    ids=["empty", "no-code", "no-login", "long-code", "extra"],
)  # fmt: skip
async def test_invalid_guardian_record_requests_are_422_and_write_nothing(
    db: Database, client: httpx.AsyncClient, schools: Schools, body: dict[str, Any]
) -> None:
    school = await schools.school()
    parent = await schools.credentials(
        school, await schools.guardian(school, await schools.student(school)), "parent"
    )
    headers = await schools.bearer(parent.login)
    before = await written(db)
    response = await client.post("/api/auth/me/guardian-records", json=body, headers=headers)
    assert response.status_code == 422
    assert await written(db) == before
    assert (await client.post("/api/auth/me/guardian-records", json=body)).status_code == 401


# --- the issuer's list ------------------------------------------------------------------


async def test_an_issuer_lists_the_accounts_of_the_kind_they_issue(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school, other = await schools.school(), await schools.school("Школа № 2")
    deputy = await schools.staff(school, "deputy")
    issued = await issue_student(client, schools, school, deputy)
    await schools.credentials(other, await schools.student(other), "student")
    admin = await schools.bearer(school.admin_login)

    staff = await client.get("/api/auth/accounts", params={"kind": "staff"}, headers=admin)
    students = await client.get(
        "/api/auth/accounts", params={"kind": "student"}, headers=await schools.bearer(deputy.login)
    )
    refused = await client.get("/api/auth/accounts", params={"kind": "student"}, headers=admin)

    assert staff.status_code == students.status_code == 200
    assert {a["login"] for a in staff.json()["items"]} == {school.admin_login, deputy.login}
    [student] = students.json()["items"]
    assert student == {
        "account_id": issued["account_id"],
        "login": "ivanova.mp",
        "kind": "student",
        "roles": ["student"],
        "person_id": student["person_id"],
        "last_name": None,
        "first_name": None,
        "middle_name": None,
        "active": True,
        "activated": False,
    }
    assert refused.status_code == 403


async def test_the_accounts_list_pages_and_refuses_bad_queries(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    for role in ("teacher", "deputy", "class_teacher"):
        await schools.staff(school, role)
    headers = await schools.bearer(school.admin_login)
    first = (await client.get("/api/auth/accounts?limit=3", headers=headers)).json()
    rest = (
        await client.get(
            f"/api/auth/accounts?limit=3&offset={first['next_offset']}", headers=headers
        )
    ).json()
    assert len(first["items"]) == 3 and first["next_offset"] == 3
    assert len(rest["items"]) == 1 and rest["next_offset"] is None
    for query in ("kind=director", "limit=0", "limit=501", "offset=-1"):
        bad = await client.get(f"/api/auth/accounts?{query}", headers=headers)
        assert bad.status_code == 422, query
    assert (await client.get("/api/auth/accounts")).status_code == 401
