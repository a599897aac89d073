"""The auth service app: the identity provider of the school journal."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import cast

from fastapi import FastAPI

from auth import api, consents_api, roles_api, self_service
from auth.consumers import subscriptions
from auth.issuance import api as issuance_api
from auth.keys import DatabaseKeys, KeyRing
from auth.oidc import api as oidc_api
from auth.oidc.provider import Provider
from auth.passwords import Passwords
from auth.settings import Settings
from auth.tokens import TokenIssuer
from shared.bus import Bus
from shared.db import Database
from shared.revocations import Revocations
from shared.security import KeySource, TokenVerifier
from shared.web import Role, create_service_app

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def create_app(
    settings: Settings | None = None,
    *,
    bus: Bus | None = None,
    keys: KeySource | None = None,
    role: Role = "all",
) -> FastAPI:
    """The auth app; it verifies its own tokens from its database unless `keys` is given."""
    settings = settings or Settings()
    app = create_service_app(
        "auth",
        settings,
        [
            api.router,
            issuance_api.router,
            roles_api.router,
            consents_api.router,
            self_service.router,
            oidc_api.router,
        ],
        subscriptions=subscriptions,
        bus=bus,
        keys=keys,
        role=role,
        description="Accounts, logins, tokens and signing keys of the school journal.",
    )
    keyring = KeyRing(settings)
    app.state.keyring = keyring
    app.state.passwords = Passwords.from_settings(settings)
    app.state.token_issuer = TokenIssuer(settings, keyring)
    app.state.oidc_provider = Provider(settings) if settings.oidc_configured else None
    if keys is None:
        app.state.token_verifier = TokenVerifier(
            DatabaseKeys(keyring, lambda: cast(Database, app.state.db)),
            issuer=settings.jwt_issuer,
            service="auth",
            revocations=Revocations(
                lambda: cast(Database, app.state.db), settings.revocation_refresh_interval
            ),
        )

    service_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with service_lifespan(app):
            # A signing key exists before anyone asks for the JWKS.
            async with app.state.db.transaction() as session:
                await keyring.active(session)
            await app.state.passwords.warm_up()
            yield

    app.router.lifespan_context = lifespan
    return app


def create_api_app() -> FastAPI:
    """The app of an API process (`python -m auth api`): HTTP only, from the environment."""
    return create_app(role="api")
