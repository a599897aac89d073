"""Access-token verification against auth's JWKS, and the CurrentUser dependency.

Every service verifies tokens itself: EdDSA only, keys cached by `kid` (refetched when an
unknown `kid` appears, at most once a minute), `exp`, `aud`, `iss` and `typ` checked.
"""

import asyncio
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Annotated, Any, Protocol

import httpx
import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from jwt import PyJWK

from shared.errors import Forbidden, Unauthenticated

ALGORITHM = "EdDSA"
TOKEN_TYPE = "at+jwt"


class KeySource(Protocol):
    async def key(self, kid: str) -> PyJWK | None: ...


class StaticKeys:
    """Keys given directly (tests, or a JWKS mounted from a file)."""

    def __init__(self, jwks: dict[str, Any]) -> None:
        self._keys = {k["kid"]: PyJWK(k, algorithm=ALGORITHM) for k in jwks["keys"]}

    async def key(self, kid: str) -> PyJWK | None:
        return self._keys.get(kid)


class JwksKeys:
    """auth's JWKS fetched over HTTP and cached; refreshed when a new `kid` shows up."""

    def __init__(
        self,
        url: str,
        min_refresh_interval: float = 60.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url
        self.min_refresh_interval = min_refresh_interval
        self._transport = transport
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> PyJWK | None:
        if kid in self._keys:
            return self._keys[kid]
        async with self._lock:
            if kid not in self._keys and (
                time.monotonic() - self._fetched_at >= self.min_refresh_interval or not self._keys
            ):
                await self._refresh()
        return self._keys.get(kid)

    async def warm_up(self) -> None:
        """Fetch the keys before the first request needs them (best effort: auth may be
        starting too; the first token then fetches them)."""
        async with self._lock:
            if not self._keys:
                await self._refresh()

    async def _refresh(self) -> None:
        try:
            async with httpx.AsyncClient(timeout=5.0, transport=self._transport) as client:
                response = await client.get(self.url)
                response.raise_for_status()
                jwks = response.json()
        except (httpx.HTTPError, ValueError):
            return  # auth unreachable: keep what we have; unknown kids fail as 401
        self._keys = {
            k["kid"]: PyJWK(k, algorithm=ALGORITHM)
            for k in jwks.get("keys", [])
            if k.get("kid") and k.get("kty") == "OKP"
        }
        self._fetched_at = time.monotonic()


@dataclass(frozen=True)
class User:
    """Who is calling, as auth vouched for it in the access token."""

    account_id: uuid.UUID
    school_id: uuid.UUID
    roles: frozenset[str]
    person_id: uuid.UUID | None = None  # the roster id of a student or a parent
    children: frozenset[uuid.UUID] = field(default_factory=frozenset)

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def require(self, *roles: str) -> None:
        if not self.has(*roles):
            raise Forbidden()


class TokenVerifier:
    # Tokens already verified, until they expire: the same token arrives with every request
    # of a session, and checking its signature again was 7 % of a diary read. Cached, a
    # token also skips the key lookup until it expires (a retired key stays in the JWKS for
    # a token lifetime anyway).
    # The key is the whole token, signature included, so a changed token is never a hit.
    CACHE_SIZE = 10_000

    def __init__(self, keys: KeySource, issuer: str, audience: str) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self._verified: OrderedDict[str, tuple[User, float]] = OrderedDict()

    async def verify(self, token: str) -> User:
        cached = self._verified.get(token)
        if cached is not None:
            user, expires = cached
            if time.time() < expires:
                self._verified.move_to_end(token)
                return user
            del self._verified[token]
        user, expires = await self._verify(token)
        self._verified[token] = (user, expires)
        if len(self._verified) > self.CACHE_SIZE:
            self._verified.popitem(last=False)
        return user

    async def _verify(self, token: str) -> tuple[User, float]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthenticated("Malformed token.") from exc
        if header.get("alg") != ALGORITHM or header.get("typ") != TOKEN_TYPE:
            raise Unauthenticated("Unexpected token type.")
        key = await self.keys.key(str(header.get("kid", "")))
        if key is None:
            raise Unauthenticated("Unknown signing key.")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
            user = User(
                account_id=uuid.UUID(claims["sub"]),
                school_id=uuid.UUID(claims["school"]),
                roles=frozenset(claims.get("roles", [])),
                person_id=uuid.UUID(claims["person"]) if claims.get("person") else None,
                children=frozenset(uuid.UUID(c) for c in claims.get("children", [])),
            )
            return user, float(claims["exp"])
        except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
            raise Unauthenticated("Invalid or expired token.") from exc


_bearer = HTTPBearer(auto_error=False)


async def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated()
    verifier: TokenVerifier = request.app.state.token_verifier
    return await verifier.verify(credentials.credentials)


CurrentUser = Annotated[User, Depends(current_user)]
