"""The JWT negative suite against a service other than auth: journal's verifier refuses
every token that is not an EdDSA access token of auth's, for journal, live, unrevoked
(401 each); and a session auth revoked, or an account it disabled, is refused as soon as
journal's consumer has applied the event."""

import base64
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi import FastAPI
from journal_world import World
from sqlalchemy import text

from journal.consumers import BINDINGS
from shared.contracts.auth import AccountDisabled, SessionsRevoked
from shared.events import Event
from shared.revocations import Revocations
from shared.testing import TokenFactory

PATH = "/bell-schedule"


def b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims_of(token: str) -> dict[str, object]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


async def status(client: httpx.AsyncClient, token: str) -> int:
    response = await client.get(PATH, headers={"Authorization": f"Bearer {token}"})
    if response.status_code == 401:
        assert response.headers["content-type"].startswith("application/problem+json")
    return response.status_code


def alg_none(world: World, tokens: TokenFactory) -> str:
    good = world.token("director")
    header = {"alg": "none", "typ": "at+jwt", "kid": tokens.kid}
    return f"{b64(header)}.{good.split('.')[1]}."


def hs256_with_the_public_key(world: World, tokens: TokenFactory) -> str:
    """The classic confusion: the public key used as an HMAC secret."""
    public = tokens._private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    secret = base64.urlsafe_b64encode(public)
    return jwt.encode(
        claims_of(world.token("director")),
        secret,
        algorithm="HS256",
        headers={"kid": tokens.kid, "typ": "at+jwt"},
    )


def tampered(world: World, tokens: TokenFactory) -> str:
    token = world.token("teacher")
    header, _, signature = token.split(".")
    claims = claims_of(token) | {"roles": ["director"]}
    return f"{header}.{b64(claims)}.{signature}"


def with_claims(**changes: object) -> Callable[[World, TokenFactory], str]:
    """A director's token with claims changed; an int claim ending in `_from_now` is set
    that many seconds from the moment the token is made."""

    def make(world: World, tokens: TokenFactory) -> str:
        now = int(time.time())
        claims = {
            name.removesuffix("_from_now"): now + value
            if name.endswith("_from_now") and isinstance(value, int)
            else value
            for name, value in changes.items()
        }
        return tokens.token(school_id=world.school_id, roles=["director"], **claims)

    return make


def wrong_type(world: World, tokens: TokenFactory) -> str:
    return jwt.encode(
        claims_of(world.token("director")),
        tokens._private,
        algorithm="EdDSA",
        headers={"kid": tokens.kid, "typ": "JWT"},
    )


def unknown_kid(world: World, tokens: TokenFactory) -> str:
    return jwt.encode(
        claims_of(world.token("director")),
        tokens._private,
        algorithm="EdDSA",
        headers={"kid": uuid.uuid4().hex, "typ": "at+jwt"},
    )


def another_key(world: World, tokens: TokenFactory) -> str:
    return TokenFactory().token(school_id=world.school_id, roles=["director"])


def a_service_token_for_messaging(world: World, tokens: TokenFactory) -> str:
    now = int(time.time())
    return jwt.encode(
        {
            "iss": "school-auth",
            "aud": "messaging",
            "sub": "service:archive",
            "token_use": "service",
            "client_id": "archive-0123456789ab",
            "scope": "journal.export",
            "iat": now,
            "exp": now + 300,
        },
        tokens._private,
        algorithm="EdDSA",
        headers={"kid": tokens.kid, "typ": "at+jwt"},
    )


REFUSED: dict[str, Callable[[World, TokenFactory], str]] = {
    "alg none": alg_none,
    "HS256 signed with the public key": hs256_with_the_public_key,
    "tampered payload": tampered,
    "wrong typ": wrong_type,
    "unknown kid": unknown_kid,
    "signed by another key": another_key,
    "wrong issuer": with_claims(iss="someone-else"),
    "for messaging only": with_claims(aud=["messaging"]),
    "for no service": with_claims(aud="school"),
    "expired": with_claims(iat_from_now=-1200, exp_from_now=-60),
    "not yet valid": with_claims(nbf_from_now=600),
    "issued in the future": with_claims(iat_from_now=600, exp_from_now=1200),
    "no expiry": with_claims(exp=None),
    "a service token for another service": a_service_token_for_messaging,
}


async def test_a_good_token_is_accepted(client: httpx.AsyncClient, world: World) -> None:
    assert await status(client, world.token("director")) == 200


@pytest.mark.parametrize("make", REFUSED.values(), ids=REFUSED.keys())
async def test_every_bad_token_is_refused_with_401(
    client: httpx.AsyncClient,
    world: World,
    tokens: TokenFactory,
    make: Callable[[World, TokenFactory], str],
) -> None:
    assert await status(client, make(world, tokens)) == 401


# --- revocations, learned from auth's events through journal's consumer ---------------


def _immediate(app: FastAPI) -> None:
    """Reread the revocations on every check (the service's setting is a second)."""
    revocations = app.state.token_verifier.revocations
    assert isinstance(revocations, Revocations)
    revocations.refresh_interval = 0


async def test_a_revoked_session_is_refused_once_the_event_is_applied(
    app: FastAPI,
    client: httpx.AsyncClient,
    world: World,
    tokens: TokenFactory,
    deliver: Callable[[Event], Awaitable[object]],
) -> None:
    _immediate(app)
    account, session_id, other_session = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    token = tokens.token(
        school_id=world.school_id, roles=["director"], account_id=account, sid=str(session_id)
    )
    same_account_elsewhere = tokens.token(
        school_id=world.school_id, roles=["director"], account_id=account, sid=str(other_session)
    )
    assert await status(client, token) == 200  # verified and cached

    now = datetime.now(UTC)
    await deliver(
        SessionsRevoked(
            school_id=world.school_id,
            account_id=account,
            session_ids=[session_id],
            reason="logout",
            tokens_expire_by=now + timedelta(minutes=15),
        ),
    )

    assert await status(client, token) == 401
    assert await status(client, same_account_elsewhere) == 200


async def test_a_disabled_account_is_refused_but_not_its_later_tokens(
    app: FastAPI,
    client: httpx.AsyncClient,
    world: World,
    tokens: TokenFactory,
    deliver: Callable[[Event], Awaitable[object]],
) -> None:
    _immediate(app)
    account = uuid.uuid4()
    now = datetime.now(UTC)
    issued = int(now.timestamp()) - 120
    before = tokens.token(
        school_id=world.school_id, roles=["teacher"], account_id=account, iat=issued
    )
    await deliver(
        AccountDisabled(
            school_id=world.school_id,
            account_id=account,
            disabled_at=now - timedelta(seconds=60),
            tokens_expire_by=now + timedelta(minutes=15),
        ),
    )

    assert await status(client, before) == 401
    # Enabled again, the account's tokens issued after the disabling are good.
    after = tokens.token(school_id=world.school_id, roles=["teacher"], account_id=account)
    assert await status(client, after) == 200


async def test_revocations_past_their_tokens_lifetime_are_forgotten(
    app: FastAPI,
    client: httpx.AsyncClient,
    world: World,
    tokens: TokenFactory,
    deliver: Callable[[Event], Awaitable[object]],
) -> None:
    _immediate(app)
    old_session, account = uuid.uuid4(), uuid.uuid4()
    long_ago = datetime.now(UTC) - timedelta(hours=2)
    await deliver(
        SessionsRevoked(
            school_id=world.school_id,
            account_id=account,
            session_ids=[old_session],
            reason="logout",
            tokens_expire_by=long_ago,
        ),
    )
    # Nothing could still carry that sid legitimately; the row is gone.
    async with world.db.transaction() as session:
        left = await session.scalar(
            text("SELECT count(*) FROM token_revocations WHERE subject_id = :s"),
            {"s": old_session},
        )
    assert left == 0


async def test_journal_subscribes_to_auths_revocations() -> None:
    assert {"auth.session.revoked.v1", "auth.account.disabled.v1"} <= set(BINDINGS["journal"])
