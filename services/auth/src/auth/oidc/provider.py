"""The provider as a relying party sees it: its discovery document and keys (cached), the
authorization URL, the code exchanged for tokens, and the ID token verified.

The ID token is verified with PyJWT (already in the lock through shared): the signature by
a key of the provider's JWKS (found by `kid`; an unknown `kid` fetches the JWKS again, for
a provider that rotated), an asymmetric algorithm the provider advertises, `iss`, `aud`
(our client id; `azp` too when there are several), `exp` and `iat`, and the `nonce` of the
flow. Nothing of the tokens is logged."""

import base64
import hashlib
import hmac
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import jwt
from jwt import PyJWKSet

from auth.settings import Settings
from shared.errors import Problem

log = logging.getLogger(__name__)

# Asymmetric only: a provider's ID token signed with the client secret (HS256) is refused.
ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"}
)
DISCOVERY_MAX_AGE = 3600.0
# An unknown `kid` refetches the JWKS, but not more often than this (a flood of forged
# tokens must not become a flood of requests to the provider).
JWKS_MIN_REFETCH = 30.0
LEEWAY = 60  # seconds of clock difference allowed for exp and iat


class ProviderUnavailable(Problem):
    def __init__(self) -> None:
        super().__init__(
            503,
            "oidc-provider-unavailable",
            "The identity provider is unavailable",
            "The external identity provider did not answer as expected; try again later.",
        )


class CodeRejected(Problem):
    def __init__(self) -> None:
        super().__init__(
            400,
            "oidc-code-rejected",
            "Authorization code rejected",
            "The provider refused the authorization code (used already, expired, or not "
            "issued for this sign-in). Start again.",
        )


class InvalidIdToken(Problem):
    def __init__(self) -> None:
        super().__init__(
            400,
            "oidc-invalid-id-token",
            "Invalid ID token",
            "The provider's ID token failed verification. Start again.",
        )


def code_challenge(verifier: str) -> str:
    """PKCE S256 (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in: its issuer and the person's subject there."""

    issuer: str
    subject: str


class Provider:
    """One configured OpenID Connect provider; one per app, its caches shared by requests."""

    def __init__(self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None):
        assert settings.oidc_configured
        assert settings.oidc_issuer and settings.oidc_client_id and settings.oidc_client_secret
        assert settings.oidc_redirect_uri
        self.issuer = settings.oidc_issuer.rstrip("/")
        self.client_id = settings.oidc_client_id
        self._secret = settings.oidc_client_secret
        self.redirect_uri = settings.oidc_redirect_uri
        self.name = settings.oidc_provider_name
        self.scope = settings.oidc_scope
        self._timeout = settings.oidc_http_timeout
        self._transport = transport
        self._discovery: dict[str, Any] | None = None
        self._discovered_at = 0.0
        self._jwks: PyJWKSet | None = None
        self._jwks_at = 0.0

    def _http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            timeout=self._timeout, transport=self._transport, follow_redirects=False
        )

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with self._http() as http:
                response = await http.get(url, headers={"accept": "application/json"})
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError) as error:
            log.warning("OIDC provider: %s from %s", type(error).__name__, url)
            raise ProviderUnavailable() from error
        if not isinstance(document, dict):
            raise ProviderUnavailable()
        return document

    async def discovery(self) -> dict[str, Any]:
        """The provider's metadata (/.well-known/openid-configuration), cached an hour."""
        if self._discovery is None or time.monotonic() - self._discovered_at > DISCOVERY_MAX_AGE:
            document = await self._get_json(f"{self.issuer}/.well-known/openid-configuration")
            # OpenID Connect Discovery §4.3: the issuer is exactly the one configured.
            if document.get("issuer", "").rstrip("/") != self.issuer:
                log.warning("OIDC provider: discovery names another issuer")
                raise ProviderUnavailable()
            for endpoint in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not isinstance(document.get(endpoint), str):
                    raise ProviderUnavailable()
            if "S256" not in document.get("code_challenge_methods_supported", ["S256"]):
                log.warning("OIDC provider: PKCE S256 is not supported")
                raise ProviderUnavailable()
            self._discovery, self._discovered_at = document, time.monotonic()
        return self._discovery

    async def authorization_url(self, *, state: str, nonce: str, verifier: str) -> str:
        metadata = await self.discovery()
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": self.redirect_uri,
                "scope": self.scope,
                "state": state,
                "nonce": nonce,
                "code_challenge": code_challenge(verifier),
                "code_challenge_method": "S256",
            }
        )
        endpoint: str = metadata["authorization_endpoint"]
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"

    async def exchange(self, code: str, verifier: str) -> str:
        """The ID token the provider gives for the code (client_secret_basic, RFC 6749
        §2.3.1: id and secret form-encoded before Basic)."""
        metadata = await self.discovery()
        auth = (quote(self.client_id, safe=""), quote(self._secret.get_secret_value(), safe=""))
        try:
            async with self._http() as http:
                response = await http.post(
                    metadata["token_endpoint"],
                    data={
                        "grant_type": "authorization_code",
                        "code": code,
                        "redirect_uri": self.redirect_uri,
                        "code_verifier": verifier,
                    },
                    auth=auth,
                    headers={"accept": "application/json"},
                )
        except httpx.HTTPError as error:
            log.warning("OIDC provider: token request failed: %s", type(error).__name__)
            raise ProviderUnavailable() from error
        if response.status_code in (400, 401):
            # invalid_grant (a used, expired or foreign code), or our client refused.
            log.info("OIDC provider refused a code: %s", _error_code(response))
            raise CodeRejected()
        if not response.is_success:
            raise ProviderUnavailable()
        try:
            body = response.json()
        except ValueError as error:
            raise ProviderUnavailable() from error
        id_token = body.get("id_token") if isinstance(body, dict) else None
        if not isinstance(id_token, str):
            raise InvalidIdToken()
        return id_token

    async def _key(self, kid: str | None) -> Any:
        metadata = await self.discovery()
        for attempt in range(2):
            stale = time.monotonic() - self._jwks_at > DISCOVERY_MAX_AGE
            if (
                self._jwks is None
                or stale
                or (attempt == 1 and time.monotonic() - self._jwks_at > JWKS_MIN_REFETCH)
            ):
                try:
                    self._jwks = PyJWKSet.from_dict(await self._get_json(metadata["jwks_uri"]))
                except jwt.PyJWTError as error:
                    raise ProviderUnavailable() from error
                self._jwks_at = time.monotonic()
            keys = [k for k in self._jwks.keys if k.public_key_use in (None, "sig")]
            if kid is None and len(keys) == 1:
                return keys[0]  # a token without `kid` only when there is no choice
            for key in keys:
                if kid is not None and key.key_id == kid:
                    return key
        raise InvalidIdToken()

    async def verify(self, id_token: str, nonce: str) -> Identity:
        """The identity in a verified ID token (InvalidIdToken for anything wrong)."""
        metadata = await self.discovery()
        advertised = set(metadata.get("id_token_signing_alg_values_supported", ["RS256"]))
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError as error:
            raise InvalidIdToken() from error
        algorithm = header.get("alg")
        if algorithm not in ALGORITHMS or algorithm not in advertised:
            raise InvalidIdToken()
        key = await self._key(header.get("kid"))
        try:
            claims = jwt.decode(
                id_token,
                key,
                algorithms=[algorithm],
                audience=self.client_id,
                issuer=metadata["issuer"],
                leeway=LEEWAY,
                options={"require": ["iss", "sub", "aud", "exp", "iat", "nonce"]},
            )
        except jwt.PyJWTError as error:
            log.info("OIDC ID token refused: %s", type(error).__name__)
            raise InvalidIdToken() from error
        audience = claims["aud"]
        if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != self.client_id:
            raise InvalidIdToken()
        if not isinstance(claims["nonce"], str) or not hmac.compare_digest(
            claims["nonce"].encode(), nonce.encode()
        ):
            log.info("OIDC ID token refused: nonce")
            raise InvalidIdToken()
        subject = claims["sub"]
        if not isinstance(subject, str) or not 0 < len(subject) <= 255:
            raise InvalidIdToken()
        return Identity(issuer=self.issuer, subject=subject)


def _error_code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return str(response.status_code)
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, str) and error.isascii() and len(error) < 40 else "?"
