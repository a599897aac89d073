"""Configuration of the auth service, read from AUTH_* environment variables."""

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.settings import BaseServiceSettings

# OWASP's floor for argon2id: 19 MiB of memory and two passes.
MIN_ARGON2_MEMORY_KIB = 19 * 1024
MIN_ARGON2_TIME_COST = 2


class Settings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AUTH_", extra="ignore")

    access_token_ttl: int = Field(default=900, ge=60, le=3600, description="seconds")
    # Client-credentials tokens of services (the archive's export calls): short, since a
    # service asks again whenever it needs one.
    service_token_ttl: int = Field(default=300, ge=30, le=3600, description="seconds")
    refresh_token_ttl: int = Field(default=14 * 24 * 3600, ge=3600, description="seconds")

    argon2_memory_cost: int = Field(
        default=MIN_ARGON2_MEMORY_KIB, ge=MIN_ARGON2_MEMORY_KIB, description="KiB"
    )
    argon2_time_cost: int = Field(default=MIN_ARGON2_TIME_COST, ge=MIN_ARGON2_TIME_COST)
    argon2_parallelism: int = Field(default=1, ge=1, le=16)

    # Failures older than this no longer count towards the progressive delay.
    login_failure_window: int = Field(default=3600, ge=60, description="seconds")
    login_free_failures: int = Field(default=3, ge=0)
    login_max_delay: float = Field(default=10.0, ge=0)
    # An attempt whose turn (after the attempts queued before it on the same login or
    # device) is further away than this is answered 429 without being counted or checked.
    login_max_wait: float = Field(default=30.0, ge=0)

    # Device tokens (OWASP's device cookies): a device that signed in to an account is
    # slowed by its own failures there, not by the login's.
    device_token_ttl: int = Field(default=180 * 24 * 3600, ge=3600, description="seconds")
    device_max_failures: int = Field(default=10, ge=1)
    device_cookie_secure: bool = True

    # A rotated-in key is published this long before it signs (longer than a service's
    # JWKS max age, 300 s, plus the JWKS response's cache, 60 s).
    signing_key_publish_lead: int = Field(default=600, ge=0, description="seconds")

    # When set, signing keys are stored encrypted with it (PEM, PKCS#8).
    signing_key_passphrase: SecretStr | None = None

    # One-time activation codes (auth.issuance): how long one stays valid, how many wrong
    # tries void it, and the site's address printed on the slips.
    activation_code_ttl: int = Field(default=14 * 24 * 3600, ge=3600, description="seconds")
    activation_max_attempts: int = Field(default=5, ge=1, le=20)
    public_url: str = Field(default="http://localhost:8000", min_length=1, max_length=200)

    # Sign-in through an external OpenID Connect provider (auth.oidc; ЕСИА in production).
    # Off unless the issuer, client id, client secret and redirect URI are all set.
    oidc_issuer: str | None = Field(default=None, max_length=200)
    oidc_client_id: str | None = Field(default=None, max_length=200)
    oidc_client_secret: SecretStr | None = None
    # The web client's callback page the provider sends the browser back to.
    oidc_redirect_uri: str | None = Field(default=None, max_length=300)
    oidc_provider_name: str = Field(default="Госуслуги", min_length=1, max_length=60)
    oidc_scope: str = Field(default="openid", min_length=6, max_length=200)
    # How long a started sign-in or link may take at the provider (state, nonce, verifier).
    oidc_flow_ttl: int = Field(default=600, ge=60, le=3600, description="seconds")
    oidc_http_timeout: float = Field(default=10.0, gt=0, le=60, description="seconds")

    @property
    def oidc_configured(self) -> bool:
        return bool(
            self.oidc_issuer
            and self.oidc_client_id
            and self.oidc_client_secret
            and self.oidc_redirect_uri
        )
