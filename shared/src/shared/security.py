"""Access-token verification against auth's JWKS, and the CurrentUser and service
caller dependencies.

Every service verifies tokens itself: EdDSA only, keys cached by `kid` (refetched when an
unknown `kid` appears, at most once a minute, and when the cached set is older than
`max_age`), `exp`, `nbf`, `aud`, `iss` and `typ` checked, and the token's session (`sid`)
and account checked against the revocations auth published (shared.revocations).

Two kinds of token are signed by auth: user tokens (audience: the list of services the
session may call, `USER_AUDIENCES` unless the client asked for fewer; a person's account,
school, roles and session) and service tokens (OAuth2 client credentials: `token_use: "service"`,
`sub: "service:<name>"`, `scope`, audience the one service they are for). A service
token never acts as a user: `CurrentUser` refuses it (403), and `ServiceCaller(scope)`
refuses user tokens (403, the director's too).
"""

import asyncio
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Coroutine
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
# The claim and value that make a token a service's (client credentials), not a person's.
TOKEN_USE_CLAIM = "token_use"
SERVICE_TOKEN_USE = "service"
SERVICE_SUBJECT_PREFIX = "service:"
# The services a person's token may be for: a user token names those it is for in `aud`
# (all of them unless the client asked for fewer), and each service accepts only the
# tokens naming it.
USER_AUDIENCES: tuple[str, ...] = ("auth", "journal", "messaging", "reporting", "archive")


class KeySource(Protocol):
    async def key(self, kid: str) -> PyJWK | None: ...


class RevocationCheck(Protocol):
    """Whether a token of this account and session, issued at `issued_at`, was revoked
    (shared.revocations.Revocations)."""

    async def refuses(
        self, account_id: uuid.UUID, session_id: uuid.UUID | None, issued_at: float
    ) -> bool: ...


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
        max_age: float = 300.0,
    ) -> None:
        self.url = url
        # An unknown kid refetches at most this often (random kids cost one fetch a minute).
        self.min_refresh_interval = min_refresh_interval
        # The set is refetched once older than this, so a key auth publishes ahead of
        # signing with it (`python -m auth keys rotate`) is known before its first token.
        self.max_age = max_age
        self._transport = transport
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at = float("-inf")
        self._tried_at = float("-inf")
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> PyJWK | None:
        if kid in self._keys and time.monotonic() - self._fetched_at < self.max_age:
            return self._keys[kid]
        async with self._lock:
            # Stale: refetched (an attempt that failed waits out the unknown-kid interval).
            if (
                self._keys
                and time.monotonic() - self._fetched_at >= self.max_age
                and time.monotonic() - self._tried_at >= self.min_refresh_interval
            ):
                await self._refresh()
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
        self._tried_at = time.monotonic()
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
    session_id: uuid.UUID | None = None  # the token's `sid`: the sign-in it comes from
    issued_at: float = 0.0  # the token's `iat`

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def require(self, *roles: str) -> None:
        if not self.has(*roles):
            raise Forbidden()


@dataclass(frozen=True)
class Service:
    """A service calling with a client-credentials token: who it is and what it may do."""

    name: str
    client_id: str
    scopes: frozenset[str]

    def require_scope(self, scope: str) -> None:
        if scope not in self.scopes:
            raise Forbidden(f"The service token lacks the scope {scope}.")


Principal = User | Service


class TokenVerifier:
    # Tokens already verified, until they expire: the same token arrives with every request
    # of a session, and checking its signature again was 7 % of a diary read. Cached, a
    # token also skips the key lookup until it expires (a retired key stays in the JWKS for
    # a token lifetime anyway).
    # The key is the whole token, signature included, so a changed token is never a hit.
    CACHE_SIZE = 10_000

    def __init__(
        self,
        keys: KeySource,
        issuer: str,
        service: str,
        *,
        accepts_service_tokens: bool = True,
        revocations: RevocationCheck | None = None,
    ) -> None:
        self.keys = keys
        self.issuer = issuer
        # The service verifying: every token it accepts names it in `aud`.
        self.service = service
        self.accepts_service_tokens = accepts_service_tokens
        self.revocations = revocations
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    async def verify(self, token: str) -> User:
        """The user a token stands for; a service token is refused (403)."""
        principal = await self.authenticate(token)
        if not isinstance(principal, User):
            raise Forbidden("A service token does not act as a user.")
        return principal

    async def verify_service(self, token: str, scope: str) -> Service:
        """The service a token stands for, holding `scope`; a user token is refused (403)."""
        principal = await self.authenticate(token)
        if not isinstance(principal, Service):
            raise Forbidden("Only a service token with the right scope may call this.")
        principal.require_scope(scope)
        return principal

    async def authenticate(self, token: str) -> Principal:
        """Whoever the token stands for, a user or a service (401 if it is not valid)."""
        cached = self._verified.get(token)
        if cached is not None:
            principal, expires = cached
            if time.time() < expires:
                self._verified.move_to_end(token)
                await self._check_revoked(principal)
                return principal
            del self._verified[token]
        principal, expires = await self._verify(token)
        self._verified[token] = (principal, expires)
        if len(self._verified) > self.CACHE_SIZE:
            self._verified.popitem(last=False)
        await self._check_revoked(principal)
        return principal

    async def _check_revoked(self, principal: Principal) -> None:
        """A revoked session or a disabled account: refused on every request, cached or
        not (the cache holds signatures checked, not the right to act)."""
        if self.revocations is None or not isinstance(principal, User):
            return
        if await self.revocations.refuses(
            principal.account_id, principal.session_id, principal.issued_at
        ):
            raise Unauthenticated("The session has ended.")

    async def _verify(self, token: str) -> tuple[Principal, float]:
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
                audience=self.service,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
            if claims.get(TOKEN_USE_CLAIM) == SERVICE_TOKEN_USE:
                return self._service(claims), float(claims["exp"])
            session_id = claims.get("sid")
            user = User(
                account_id=uuid.UUID(claims["sub"]),
                school_id=uuid.UUID(claims["school"]),
                roles=frozenset(claims.get("roles", [])),
                person_id=uuid.UUID(claims["person"]) if claims.get("person") else None,
                children=frozenset(uuid.UUID(c) for c in claims.get("children", [])),
                session_id=uuid.UUID(session_id) if session_id is not None else None,
                issued_at=float(claims["iat"]),
            )
            return user, float(claims["exp"])
        except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
            raise Unauthenticated("Invalid or expired token.") from exc

    def _service(self, claims: dict[str, Any]) -> Service:
        # A service token is for one service only (its `aud` is that name, not a list).
        if not self.accepts_service_tokens or claims.get("aud") != self.service:
            raise jwt.InvalidAudienceError("the service token is for another service")
        subject = str(claims["sub"])
        scope = claims.get("scope", "")
        if not subject.startswith(SERVICE_SUBJECT_PREFIX) or not isinstance(scope, str):
            raise ValueError("malformed service token")
        return Service(
            name=subject.removeprefix(SERVICE_SUBJECT_PREFIX),
            client_id=str(claims.get("client_id", "")),
            scopes=frozenset(scope.split()),
        )


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


def service_caller(
    scope: str,
) -> Callable[[Request, HTTPAuthorizationCredentials | None], Coroutine[Any, Any, Service]]:
    """A dependency admitting only a service token holding `scope` (user tokens: 403).

    Used as `Annotated[Service, Depends(service_caller("journal.export"))]`."""

    async def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Service:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise Unauthenticated()
        verifier: TokenVerifier = request.app.state.token_verifier
        return await verifier.verify_service(credentials.credentials, scope)

    return dependency
