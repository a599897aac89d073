"""Access tokens: EdDSA JWTs that every service verifies against auth's JWKS."""

import base64
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from auth_testkit import Schools
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import func, select

from auth.keys import KeyRing
from auth.models import SigningKey
from auth.settings import Settings
from shared.db import Database
from shared.errors import Unauthenticated
from shared.security import StaticKeys, TokenVerifier, User
from shared.testing import TokenFactory


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def verifier_from_jwks(client: httpx.AsyncClient, settings: Settings) -> TokenVerifier:
    response = await client.get("/api/auth/.well-known/jwks.json")
    assert response.status_code == 200
    return TokenVerifier(StaticKeys(response.json()), issuer=settings.jwt_issuer, service="auth")


async def test_access_token_verifies_with_the_shared_verifier_against_the_served_jwks(
    client: httpx.AsyncClient, schools: Schools, settings: Settings
) -> None:
    school = await schools.school()
    tokens = await schools.login(school.admin_login)

    user = await (await verifier_from_jwks(client, settings)).verify(tokens["access_token"])

    assert user == User(
        account_id=school.admin_id,
        school_id=school.id,
        roles=frozenset({"sysadmin"}),
        session_id=uuid.UUID(tokens["session_id"]),
        issued_at=user.issued_at,
    )


async def test_access_token_carries_the_agreed_header_and_claims(
    client: httpx.AsyncClient, schools: Schools, settings: Settings
) -> None:
    school = await schools.school()
    signed_in = await schools.login(school.admin_login)
    token = signed_in["access_token"]
    jwks = (await client.get("/api/auth/.well-known/jwks.json")).json()

    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert header["alg"] == "EdDSA"
    assert header["typ"] == "at+jwt"
    assert header["kid"] in {key["kid"] for key in jwks["keys"]}
    assert claims["iss"] == settings.jwt_issuer
    assert claims["aud"] == ["archive", "auth", "journal", "messaging", "reporting"]
    assert claims["sid"] == signed_in["session_id"]
    assert claims["sub"] == str(school.admin_id)
    assert claims["school"] == str(school.id)
    assert claims["roles"] == ["sysadmin"]
    assert claims["exp"] - claims["iat"] == settings.access_token_ttl
    assert len(claims["jti"]) >= 16
    assert "person" not in claims and "children" not in claims


async def test_jwks_lists_public_keys_only(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/auth/.well-known/jwks.json")
    [key] = response.json()["keys"]
    assert set(key) == {"kty", "crv", "x", "kid", "alg", "use"}
    assert (key["kty"], key["crv"], key["alg"], key["use"]) == ("OKP", "Ed25519", "EdDSA", "sig")
    assert "max-age" in response.headers["cache-control"]


async def test_a_tampered_token_is_rejected(
    client: httpx.AsyncClient, schools: Schools, settings: Settings
) -> None:
    school = await schools.school()
    token = (await schools.login(school.admin_login))["access_token"]
    header, _payload, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = ".".join([header, b64({**claims, "roles": ["director"]}), signature])

    with pytest.raises(Unauthenticated):
        await (await verifier_from_jwks(client, settings)).verify(forged)
    response = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


async def test_an_unsigned_alg_none_token_is_rejected(
    client: httpx.AsyncClient, schools: Schools, settings: Settings
) -> None:
    school = await schools.school()
    token = (await schools.login(school.admin_login))["access_token"]
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    unsigned = ".".join([b64({**header, "alg": "none"}), b64(claims), ""])

    with pytest.raises(Unauthenticated):
        await (await verifier_from_jwks(client, settings)).verify(unsigned)
    response = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {unsigned}"})
    assert response.status_code == 401


async def test_a_token_signed_by_a_foreign_key_is_rejected(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    foreign = TokenFactory().token(
        school_id=school.id, roles=["sysadmin"], account_id=school.admin_id
    )
    response = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {foreign}"})
    assert response.status_code == 401


async def test_student_token_names_the_student_and_no_children(
    client: httpx.AsyncClient, schools: Schools, settings: Settings
) -> None:
    school = await schools.school()
    student_id = await schools.student(school)
    account = await schools.credentials(school, student_id, "student")

    token = (await schools.login(account.login))["access_token"]
    user = await (await verifier_from_jwks(client, settings)).verify(token)

    assert user.person_id == student_id
    assert user.roles == {"student"}
    assert user.children == frozenset()
    assert "children" not in jwt.decode(token, options={"verify_signature": False})


async def test_parent_token_carries_the_children_from_guardianships(
    client: httpx.AsyncClient, schools: Schools, settings: Settings
) -> None:
    school = await schools.school()
    first, second, stranger = [await schools.student(school) for _ in range(3)]
    parent_id = await schools.guardian(school, first, second)
    await schools.guardian(school, stranger)
    account = await schools.credentials(school, parent_id, "parent")

    token = (await schools.login(account.login))["access_token"]
    user = await (await verifier_from_jwks(client, settings)).verify(token)

    assert user.person_id == parent_id
    assert user.roles == {"parent"}
    assert user.children == {first, second}


async def test_one_signing_key_is_created_and_then_reused(
    db: Database, client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    first = (await client.get("/api/auth/.well-known/jwks.json")).json()
    await schools.login(school.admin_login)
    second = (await client.get("/api/auth/.well-known/jwks.json")).json()
    assert first == second
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(SigningKey)) == 1


async def test_a_retired_key_stays_published_for_one_token_lifetime(
    db: Database, app: FastAPI, client: httpx.AsyncClient, schools: Schools, settings: Settings
) -> None:
    school = await schools.school()
    old_token = (await schools.login(school.admin_login))["access_token"]
    keyring: KeyRing = app.state.keyring
    async with db.transaction() as session:
        new_key = await keyring.rotate(session, lead=0)
    new_token = (await schools.login(school.admin_login))["access_token"]

    kids = {k["kid"] for k in (await client.get("/api/auth/.well-known/jwks.json")).json()["keys"]}
    assert kids == {jwt.get_unverified_header(old_token)["kid"], new_key.kid}
    assert jwt.get_unverified_header(new_token)["kid"] == new_key.kid
    for token in (old_token, new_token):
        response = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200

    later = datetime.now(UTC) + timedelta(seconds=settings.access_token_ttl + 600)
    async with db.transaction() as session:
        published = await keyring.published(session, now=later)
    assert [key.kid for key in published] == [new_key.kid]


async def test_signing_keys_are_stored_encrypted_when_a_passphrase_is_set(
    db: Database, settings: Settings
) -> None:
    keyring = KeyRing(
        settings.model_copy(update={"signing_key_passphrase": SecretStr("a long passphrase")})
    )
    async with db.transaction() as session:
        key = await keyring.active(session)
    assert "ENCRYPTED PRIVATE KEY" in key.private_key
    fresh = KeyRing(keyring.settings)  # no cached key: it must decrypt the stored one
    signed = jwt.encode({"iat": int(time.time())}, fresh.private_key(key), algorithm="EdDSA")
    assert jwt.decode(signed, jwt.PyJWK(key.public_jwk).key, algorithms=["EdDSA"])
