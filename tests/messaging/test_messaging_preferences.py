"""GET/PUT /api/messaging/preferences (each person their own) and
GET/PUT /api/messaging/email-settings (the school's sysadmin or director)."""

import uuid

import httpx
import pytest

from shared.testing import TokenFactory

PREFS = "/api/messaging/preferences"
EMAIL = "/api/messaging/email-settings"
PROBLEM = "application/problem+json"
DEFAULTS = {
    "categories": [
        "marks",
        "attendance",
        "homework",
        "final_marks",
        "periods",
        "reports",
        "letters",
    ],
    "muted": [],
    "delivery": "immediate",
    "digest_hour": 18,
    "quiet_hours": None,
    "email": None,
}


def bearer(
    tokens: TokenFactory, school: uuid.UUID, roles: list[str], **claims: object
) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.token(school_id=school, roles=roles, **claims)}"}  # type: ignore[arg-type]


async def test_preferences_start_as_defaults_and_are_replaced_whole(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    school, parent = uuid.uuid4(), uuid.uuid4()
    headers = bearer(tokens, school, ["parent"], person_id=parent)

    assert (await client.get(PREFS, headers=headers)).json() == DEFAULTS
    wanted = {
        "muted": ["homework", "periods"],
        "delivery": "digest",
        "digest_hour": 19,
        "quiet_hours": {"start": "22:00:00", "end": "07:00:00"},
        "email": "mama@example.org",
    }
    put = await client.put(PREFS, json=wanted, headers=headers)

    assert put.status_code == 200, put.text
    assert put.json() == {**DEFAULTS, **wanted}
    assert (await client.get(PREFS, headers=headers)).json() == {**DEFAULTS, **wanted}
    again = await client.put(PREFS, json={"delivery": "immediate"}, headers=headers)
    assert again.json() == DEFAULTS


async def test_each_person_sees_only_their_own_preferences(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    school = uuid.uuid4()
    mother = bearer(tokens, school, ["parent"], person_id=uuid.uuid4())
    child = bearer(tokens, school, ["student"], person_id=uuid.uuid4())
    teacher = bearer(tokens, school, ["teacher"])
    await client.put(PREFS, json={"muted": ["marks"]}, headers=mother)

    assert (await client.get(PREFS, headers=child)).json() == DEFAULTS
    assert (await client.get(PREFS, headers=teacher)).json() == DEFAULTS
    staff_put = await client.put(PREFS, json={"muted": ["reports"]}, headers=teacher)
    assert staff_put.json()["muted"] == ["reports"]


async def test_the_same_person_in_another_school_has_that_schools_defaults(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    person = uuid.uuid4()
    here = bearer(tokens, uuid.uuid4(), ["parent"], person_id=person)
    elsewhere = bearer(tokens, uuid.uuid4(), ["parent"], person_id=person)
    await client.put(PREFS, json={"muted": ["marks"]}, headers=here)

    assert (await client.get(PREFS, headers=elsewhere)).json() == DEFAULTS


async def test_a_district_inspector_has_no_preferences(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    headers = bearer(tokens, uuid.uuid4(), ["district_inspector"])

    for response in (
        await client.get(PREFS, headers=headers),
        await client.put(PREFS, json={}, headers=headers),
    ):
        assert response.status_code == 403
        assert response.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(
    "body",
    [
        {"muted": ["gossip"]},
        {"delivery": "weekly"},
        {"digest_hour": 24},
        {"digest_hour": -1},
        {"digest_hour": False},
        {"digest_hour": "18"},
        {"quiet_hours": {"start": "22:00"}},
        {"quiet_hours": {"start": "22:00", "end": "22:00"}},
        {"quiet_hours": {"start": "25:00", "end": "07:00"}},
        {"email": "not an address"},
        {"email": "a@b.ru\r\nBcc: all@b.ru"},
        {"email": "x" * 250 + "@b.ru"},
        {"colour": "red"},
        [],
    ],
)
async def test_bad_preferences_are_refused_and_nothing_changes(
    client: httpx.AsyncClient, tokens: TokenFactory, body: object
) -> None:
    headers = bearer(tokens, uuid.uuid4(), ["student"], person_id=uuid.uuid4())

    response = await client.put(PREFS, json=body, headers=headers)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert (await client.get(PREFS, headers=headers)).json() == DEFAULTS


async def test_preferences_need_a_valid_token(client: httpx.AsyncClient) -> None:
    assert (await client.get(PREFS)).status_code == 401
    assert (await client.put(PREFS, json={})).status_code == 401


@pytest.mark.parametrize("roles", [["sysadmin"], ["director"]])
async def test_the_schools_admin_turns_email_on_for_their_school_only(
    client: httpx.AsyncClient, tokens: TokenFactory, roles: list[str]
) -> None:
    school = uuid.uuid4()
    headers = bearer(tokens, school, roles)
    assert (await client.get(EMAIL, headers=headers)).status_code == 404

    put = await client.put(
        EMAIL, json={"enabled": True, "sender": "school42@example.org"}, headers=headers
    )

    assert put.status_code == 200, put.text
    assert put.json() == {
        "enabled": True,
        "sender": "school42@example.org",
        "smtp_configured": False,
    }
    assert (await client.get(EMAIL, headers=headers)).json()["enabled"] is True
    other_school = bearer(tokens, uuid.uuid4(), roles)
    assert (await client.get(EMAIL, headers=other_school)).status_code == 404


@pytest.mark.parametrize("roles", [["teacher"], ["deputy"], ["parent"], ["student"]])
async def test_others_may_not_see_or_set_email_settings(
    client: httpx.AsyncClient, tokens: TokenFactory, roles: list[str]
) -> None:
    school = uuid.uuid4()
    await client.put(
        EMAIL,
        json={"enabled": True, "sender": "school@example.org"},
        headers=bearer(tokens, school, ["sysadmin"]),
    )
    headers = bearer(tokens, school, roles, person_id=uuid.uuid4())

    assert (await client.get(EMAIL, headers=headers)).status_code == 403
    refused = await client.put(EMAIL, json={"enabled": False, "sender": "x@y.ru"}, headers=headers)
    assert refused.status_code == 403
    admin = bearer(tokens, school, ["sysadmin"])
    assert (await client.get(EMAIL, headers=admin)).json()["sender"] == "school@example.org"


@pytest.mark.parametrize(
    "body",
    [{"enabled": True}, {"enabled": "maybe", "sender": "a@b.ru"}, {"enabled": True, "sender": "a"}],
)
async def test_bad_email_settings_are_refused(
    client: httpx.AsyncClient, tokens: TokenFactory, body: dict[str, object]
) -> None:
    headers = bearer(tokens, uuid.uuid4(), ["sysadmin"])

    response = await client.put(EMAIL, json=body, headers=headers)

    assert response.status_code == 422
    assert (await client.get(EMAIL, headers=headers)).status_code == 404
