"""Service tokens: OAuth2 client credentials (RFC 6749 §4.4) for services such as the
archive, issued by auth, good for one service, never usable as a person's token."""

import uuid
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from auth.models import ServiceClient
from auth.passwords import Passwords
from auth.service_client_command import parse_args, run
from auth.service_clients import add_client
from auth.settings import Settings
from shared.db import Database
from shared.errors import Forbidden, Unauthenticated
from shared.security import Service, StaticKeys, TokenVerifier

FORM = "application/x-www-form-urlencoded"


def readable(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


async def registered(
    db: Database, passwords: Passwords, scopes: list[str] | None = None
) -> tuple[ServiceClient, str]:
    async with db.transaction() as session:
        return await add_client(
            session, passwords, readable("archive"), scopes or ["journal.export"]
        )


async def ask(client: httpx.AsyncClient, **fields: str) -> httpx.Response:
    return await client.post("/api/auth/service-token", data=fields)


def credentials(
    client: ServiceClient, secret: str, scope: str = "journal.export"
) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_id": client.client_id,
        "client_secret": secret,
        "scope": scope,
    }


async def verifier(client: httpx.AsyncClient, settings: Settings, service: str) -> TokenVerifier:
    jwks = (await client.get("/api/auth/.well-known/jwks.json")).json()
    return TokenVerifier(
        StaticKeys(jwks),
        issuer=settings.jwt_issuer,
        service=service,
    )


async def service_client_rows(db: Database) -> list[dict[str, Any]]:
    async with db.transaction() as session:
        found = await session.execute(text("SELECT * FROM service_clients ORDER BY client_id"))
        return [dict(row) for row in found.mappings()]


async def test_a_registered_client_gets_a_short_lived_token_for_journal_only(
    client: httpx.AsyncClient, db: Database, passwords: Passwords, settings: Settings
) -> None:
    archive, secret = await registered(db, passwords)

    response = await ask(client, **credentials(archive, secret))

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "journal.export"
    assert body["expires_in"] == settings.service_token_ttl == 300
    assert "refresh_token" not in body
    token = body["access_token"]
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert header["alg"] == "EdDSA" and header["typ"] == "at+jwt" and header["kid"]
    assert claims["aud"] == "journal"
    assert claims["token_use"] == "service"
    assert claims["sub"] == f"service:{archive.name}"
    assert claims["client_id"] == archive.client_id
    assert claims["scope"] == "journal.export"
    assert claims["exp"] - claims["iat"] == 300
    assert "school" not in claims and "roles" not in claims

    journal = await verifier(client, settings, "journal")
    caller = await journal.verify_service(token, "journal.export")
    assert caller == Service(
        name=archive.name, client_id=archive.client_id, scopes=frozenset({"journal.export"})
    )


async def test_a_service_token_never_acts_as_a_user(
    client: httpx.AsyncClient, db: Database, passwords: Passwords, settings: Settings
) -> None:
    archive, secret = await registered(db, passwords)
    token = (await ask(client, **credentials(archive, secret))).json()["access_token"]

    with pytest.raises(Forbidden):
        await (await verifier(client, settings, "journal")).verify(token)
    # Another service does not take a token minted for journal at all.
    with pytest.raises(Unauthenticated):
        await (await verifier(client, settings, "reporting")).verify_service(
            token, "journal.export"
        )
    # Nor does auth's own API.
    response = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


async def test_a_wrong_secret_an_unknown_and_a_disabled_client_get_one_answer_and_one_argon2_check(
    app: FastAPI, client: httpx.AsyncClient, db: Database, passwords: Passwords
) -> None:
    archive, secret = await registered(db, passwords)
    disabled, disabled_secret = await registered(db, passwords)
    async with db.transaction() as session:
        await session.execute(
            text("UPDATE service_clients SET disabled_at = now() WHERE client_id = :id"),
            {"id": disabled.client_id},
        )

    checks: list[str] = []

    class CountingPasswords(Passwords):
        async def verify(self, password_hash: str, password: str) -> bool:
            checks.append(password_hash[:9])
            return await super().verify(password_hash, password)

    app.state.passwords = CountingPasswords.from_settings(Settings())
    answers = []
    for fields in (
        credentials(archive, "wrong-secret"),
        {**credentials(archive, secret), "client_id": "nobody-123"},
        credentials(disabled, disabled_secret),
    ):
        before = len(checks)
        response = await ask(client, **fields)
        assert len(checks) == before + 1  # exactly one argon2 verification each
        answers.append((response.status_code, response.json()))

    first = answers[0]
    assert first[0] == 401
    assert first[1]["type"] == "urn:school:problem:invalid-client"
    assert first[1]["error"] == "invalid_client"
    assert all(
        (status, {k: v for k, v in body.items() if k != "instance"})
        == (first[0], {k: v for k, v in first[1].items() if k != "instance"})
        for status, body in answers
    )


@pytest.mark.parametrize(
    ("fields", "status", "error"),
    [
        ({"scope": "reporting.read"}, 400, "invalid_scope"),  # not one of the client's
        ({"scope": ""}, 400, "invalid_scope"),
        ({"scope": None}, 400, "invalid_scope"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"grant_type": None}, 400, "invalid_request"),
        ({"client_secret": None}, 400, "invalid_request"),
        ({"client_id": None}, 400, "invalid_request"),
        ({"client_secret": "x" * 300}, 401, "invalid_client"),
        ({"client_secret": "a\x00b"}, 400, "invalid_request"),
    ],
)
async def test_bad_token_requests_are_refused_in_oauth_terms_and_nothing_is_written(
    client: httpx.AsyncClient,
    db: Database,
    passwords: Passwords,
    fields: dict[str, str | None],
    status: int,
    error: str,
) -> None:
    archive, secret = await registered(db, passwords)
    sent = {k: v for k, v in {**credentials(archive, secret), **fields}.items() if v is not None}
    before = await service_client_rows(db)

    response = await ask(client, **sent)

    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["error"] == error
    assert await service_client_rows(db) == before


async def test_a_token_request_must_be_form_encoded(
    client: httpx.AsyncClient, db: Database, passwords: Passwords
) -> None:
    archive, secret = await registered(db, passwords)

    as_json = await client.post("/api/auth/service-token", json=credentials(archive, secret))
    too_long = await client.post(
        "/api/auth/service-token",
        content=b"grant_type=client_credentials&scope=" + b"a" * 5000,
        headers={"Content-Type": FORM},
    )

    assert as_json.status_code == 415
    assert too_long.status_code == 400 and too_long.json()["error"] == "invalid_request"


async def test_a_client_may_hold_only_known_scopes_and_one_active_client_per_name(
    db: Database, passwords: Passwords
) -> None:
    archive, _ = await registered(db, passwords)
    async with db.transaction() as session:
        with pytest.raises(ValueError, match="unknown scopes"):
            await add_client(session, passwords, readable("x"), ["journal.everything"])
        with pytest.raises(ValueError):
            await add_client(session, passwords, "Bad Name", ["journal.export"])
    from shared.errors import Conflict

    with pytest.raises(Conflict):
        async with db.transaction() as session:
            await add_client(session, passwords, archive.name, ["journal.export"])


async def test_the_command_adds_lists_and_disables_clients_and_prints_the_secret_once(
    client: httpx.AsyncClient, service_db: Database, settings: Settings
) -> None:
    # The command commits on the session's database, as an operator's would (the app's
    # rolled-back transaction sees what it committed).
    name = readable("archive")

    added = await run(parse_args(["add", name, "--scope", "journal.export"]), settings)
    listed = await run(parse_args(["list"]), settings)

    assert added["name"] == name and added["scopes"] == ["journal.export"]
    secret = str(added["client_secret"])
    assert len(secret) >= 40
    mine = [c for c in listed["clients"] if c["name"] == name]  # type: ignore[attr-defined]
    assert mine == [
        {
            "client_id": added["client_id"],
            "name": name,
            "scopes": ["journal.export"],
            "created_at": mine[0]["created_at"],
            "disabled_at": None,
        }
    ]
    assert secret not in str(listed)
    stored = [r for r in await service_client_rows(service_db) if r["name"] == name]
    assert stored[0]["secret_hash"].startswith("$argon2id$")
    fields = {
        "grant_type": "client_credentials",
        "client_id": str(added["client_id"]),
        "client_secret": secret,
        "scope": "journal.export",
    }
    assert (await ask(client, **fields)).status_code == 200

    await run(parse_args(["disable", name]), settings)

    refused = await ask(client, **fields)
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
