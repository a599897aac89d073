"""Every service verifies access tokens itself (shared.security): EdDSA only, keys from
auth's JWKS cached by kid, and exp, iat, aud, iss and typ checked."""

import base64
import json
import time
import uuid

import httpx
import pytest

from shared.errors import Unauthenticated
from shared.security import JwksKeys, TokenVerifier
from shared.testing import TokenFactory

ISSUER, SERVICE = "school-auth", "journal"
SCHOOL = uuid.uuid4()


@pytest.fixture
def tokens() -> TokenFactory:
    return TokenFactory(ISSUER)


@pytest.fixture
def verifier(tokens: TokenFactory) -> TokenVerifier:
    return TokenVerifier(tokens.keys(), ISSUER, SERVICE)


def b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_a_valid_token_names_the_account_school_roles_person_and_children(
    tokens: TokenFactory, verifier: TokenVerifier
) -> None:
    account, person, child = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    token = tokens.token(
        school_id=SCHOOL,
        roles=["parent"],
        account_id=account,
        person_id=person,
        children=[child],
    )
    user = await verifier.verify(token)
    assert (user.account_id, user.school_id, user.person_id) == (account, SCHOOL, person)
    assert user.roles == {"parent"} and user.children == {child}


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": int(time.time()) - 5},
        {"aud": "another-audience"},
        {"iss": "someone-else"},
        {"school": "not-a-uuid"},
        {"sub": "not-a-uuid"},
    ],
    ids=["expired", "audience", "issuer", "school", "subject"],
)
async def test_a_token_with_a_wrong_claim_is_refused(
    tokens: TokenFactory, verifier: TokenVerifier, claims: dict[str, object]
) -> None:
    token = tokens.token(school_id=SCHOOL, roles=["teacher"], **claims)
    with pytest.raises(Unauthenticated):
        await verifier.verify(token)


@pytest.mark.parametrize("claim", ["exp", "iat", "sub", "iss", "aud", "school"])
async def test_a_token_missing_a_required_claim_is_refused(
    tokens: TokenFactory, verifier: TokenVerifier, claim: str
) -> None:
    token = tokens.token(school_id=SCHOOL, roles=["teacher"], **{claim: None})
    with pytest.raises(Unauthenticated):
        await verifier.verify(token)


async def test_the_algorithm_is_pinned_and_the_type_checked(
    tokens: TokenFactory, verifier: TokenVerifier
) -> None:
    good = tokens.token(school_id=SCHOOL, roles=["teacher"])
    header, payload, signature = good.split(".")
    refused = [
        ".".join([b64({"alg": "none", "typ": "at+jwt", "kid": tokens.kid}), payload, ""]),
        ".".join([b64({"alg": "HS256", "typ": "at+jwt", "kid": tokens.kid}), payload, signature]),
        ".".join([b64({"alg": "EdDSA", "typ": "JWT", "kid": tokens.kid}), payload, signature]),
        ".".join([header, payload, signature[:-4] + "AAAA"]),
        "not.a.token",
    ]
    for token in refused:
        with pytest.raises(Unauthenticated):
            await verifier.verify(token)


async def test_a_token_signed_by_an_unknown_key_is_refused(verifier: TokenVerifier) -> None:
    stranger = TokenFactory(ISSUER)
    with pytest.raises(Unauthenticated):
        await verifier.verify(stranger.token(school_id=SCHOOL, roles=["director"]))


class JwksServer:
    """auth's JWKS endpoint, counting how often it is asked."""

    def __init__(self, *factories: TokenFactory) -> None:
        self.keys = [k for f in factories for k in f.jwks["keys"]]
        self.requests = 0
        self.down = False

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.down:
            return httpx.Response(503)
        return httpx.Response(200, json={"keys": self.keys})


async def test_keys_are_fetched_once_and_cached(tokens: TokenFactory) -> None:
    server = JwksServer(tokens)
    keys = JwksKeys("http://auth/jwks", transport=httpx.MockTransport(server.handle))
    verifier = TokenVerifier(keys, ISSUER, SERVICE)
    for _ in range(20):
        await verifier.verify(tokens.token(school_id=SCHOOL, roles=["teacher"]))
    assert server.requests == 1


async def test_a_new_key_is_picked_up_but_unknown_kids_cannot_hammer_auth(
    tokens: TokenFactory,
) -> None:
    server = JwksServer(tokens)
    keys = JwksKeys(
        "http://auth/jwks", min_refresh_interval=3600, transport=httpx.MockTransport(server.handle)
    )
    verifier = TokenVerifier(keys, ISSUER, SERVICE)
    await verifier.verify(tokens.token(school_id=SCHOOL, roles=["teacher"]))
    stranger = TokenFactory(ISSUER)
    for _ in range(10):
        with pytest.raises(Unauthenticated):
            await verifier.verify(stranger.token(school_id=SCHOOL, roles=["teacher"]))
    assert server.requests == 1, "refetched at most once per refresh interval"

    rotated = TokenFactory(ISSUER)
    server.keys += rotated.jwks["keys"]
    eager = JwksKeys(
        "http://auth/jwks", min_refresh_interval=0, transport=httpx.MockTransport(server.handle)
    )
    assert await TokenVerifier(eager, ISSUER, SERVICE).verify(
        rotated.token(school_id=SCHOOL, roles=["teacher"])
    )


async def test_a_key_published_ahead_is_learned_when_the_copy_grows_old(
    tokens: TokenFactory,
) -> None:
    """`python -m auth keys rotate` publishes the next key before signing with it: a
    service whose copy is older than max_age refetches it, whatever the unknown-kid limit."""
    server = JwksServer(tokens)
    keys = JwksKeys(
        "http://auth/jwks",
        min_refresh_interval=0,
        max_age=0,
        transport=httpx.MockTransport(server.handle),
    )
    verifier = TokenVerifier(keys, ISSUER, SERVICE)
    await verifier.verify(tokens.token(school_id=SCHOOL, roles=["teacher"]))
    upcoming = TokenFactory(ISSUER)
    server.keys += upcoming.jwks["keys"]

    assert await keys.key(upcoming.kid) is not None
    assert server.requests == 2


async def test_a_fresh_copy_is_not_refetched(tokens: TokenFactory) -> None:
    server = JwksServer(tokens)
    keys = JwksKeys("http://auth/jwks", max_age=3600, transport=httpx.MockTransport(server.handle))
    for _ in range(5):
        assert await keys.key(tokens.kid) is not None
    assert server.requests == 1


async def test_auth_unreachable_means_401_not_500(tokens: TokenFactory) -> None:
    server = JwksServer(tokens)
    server.down = True
    keys = JwksKeys("http://auth/jwks", transport=httpx.MockTransport(server.handle))
    with pytest.raises(Unauthenticated):
        await TokenVerifier(keys, ISSUER, SERVICE).verify(
            tokens.token(school_id=SCHOOL, roles=["teacher"])
        )


class CountingKeys:
    """A key source that counts how often a signature needed a key."""

    def __init__(self, tokens: TokenFactory) -> None:
        self.inner = tokens.keys()
        self.lookups = 0

    async def key(self, kid: str) -> object:
        self.lookups += 1
        return await self.inner.key(kid)


async def test_a_verified_token_is_remembered_until_it_expires(tokens: TokenFactory) -> None:
    keys = CountingKeys(tokens)
    verifier = TokenVerifier(keys, ISSUER, SERVICE)  # type: ignore[arg-type]
    token = tokens.token(school_id=SCHOOL, roles=["parent"], ttl_seconds=2)

    first = await verifier.verify(token)
    again = await verifier.verify(token)
    assert again == first and keys.lookups == 1

    # A changed signature is another token: verified (and refused), never served from memory.
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    with pytest.raises(Unauthenticated):
        await verifier.verify(forged)

    time.sleep(2.1)
    with pytest.raises(Unauthenticated):
        await verifier.verify(token)
