"""The auth HTTP API (mounted under /api/auth)."""

import asyncio
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from starlette.types import Message

from auth import service, service_clients, sessions
from auth.keys import KeyRing
from auth.passwords import Passwords, Sleeper
from auth.schemas import (
    Jwks,
    LoggedOutEverywhere,
    LoginRequest,
    LogoutRequest,
    MeOut,
    RefreshRequest,
    ServiceTokenResponse,
    SessionsOut,
    SignInResponse,
    TokenResponse,
)
from auth.settings import Settings
from auth.signin import devices
from auth.signin.flow import Attempt, Clock, sign_in, utcnow
from auth.tokens import TokenIssuer, TokenPair
from shared.db import Database
from shared.errors import Problem
from shared.openapi import problems
from shared.security import CurrentUser
from shared.web import Session

router = APIRouter()


def _database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _passwords(request: Request) -> Passwords:
    passwords: Passwords = request.app.state.passwords
    return passwords


def _issuer(request: Request) -> TokenIssuer:
    issuer: TokenIssuer = request.app.state.token_issuer
    return issuer


def _keyring(request: Request) -> KeyRing:
    keyring: KeyRing = request.app.state.keyring
    return keyring


async def get_sleeper() -> Sleeper:
    """How the progressive delay waits; tests override this dependency."""
    return asyncio.sleep


Db = Annotated[Database, Depends(_database)]
AuthSettings = Annotated[Settings, Depends(_settings)]
PasswordHasher = Annotated[Passwords, Depends(_passwords)]
Issuer = Annotated[TokenIssuer, Depends(_issuer)]
Keys = Annotated[KeyRing, Depends(_keyring)]
Sleep = Annotated[Sleeper, Depends(get_sleeper)]


class InvalidCredentials(Problem):
    def __init__(self) -> None:
        # One answer for an unknown login, a wrong password and a disabled account.
        super().__init__(
            401, "invalid-credentials", "Invalid credentials", "Wrong login or password."
        )


class InvalidRefreshToken(Problem):
    def __init__(self) -> None:
        super().__init__(
            401,
            "invalid-refresh-token",
            "Invalid refresh token",
            "The refresh token is unknown, expired, used or revoked.",
        )


def token_response(response: Response, tokens: TokenPair) -> TokenResponse:
    response.headers["Cache-Control"] = "no-store"
    return TokenResponse(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_in=tokens.expires_in,
    )


def get_clock() -> Clock:
    """The sign-in's clock; tests override this dependency."""
    return utcnow


@router.post("/login", tags=["sessions"], responses=problems(401, 422, 429))
async def login(
    body: LoginRequest,
    request: Request,
    response: Response,
    db: Db,
    settings: AuthSettings,
    passwords: PasswordHasher,
    issuer: Issuer,
    sleep: Sleep,
    clock: Annotated[Clock, Depends(get_clock)],
) -> SignInResponse:
    """Sign in with a login and password; answers an access and a refresh token.

    Attempts at one login are counted before the password is checked and checked in
    turn, slower after each failure (parallel attempts too); one too far ahead is a 429.
    A device token (cookie or `device_token`) of an earlier sign-in to the account is
    slowed by its own failures only."""
    device_token = body.device_token or request.cookies.get(devices.COOKIE)
    signed_in = await sign_in(
        db,
        settings=settings,
        passwords=passwords,
        issuer=issuer,
        attempt=Attempt(
            login=body.login,
            password=body.password,
            device_token=device_token,
            audience=body.audience,
            client=request.headers.get("user-agent"),
        ),
        sleep=sleep,
        clock=clock,
    )
    if signed_in is None:
        raise InvalidCredentials()
    if signed_in.device_token is not None:
        response.set_cookie(
            devices.COOKIE,
            signed_in.device_token,
            max_age=settings.device_token_ttl,
            path=devices.COOKIE_PATH,
            secure=settings.device_cookie_secure,
            httponly=True,
            samesite="strict",
        )
    tokens = signed_in.tokens
    response.headers["Cache-Control"] = "no-store"
    return SignInResponse(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_in=tokens.expires_in,
        session_id=uuid.UUID(signed_in.session_id),
        device_token=signed_in.device_token,
    )


@router.post("/token/refresh", tags=["sessions"], responses=problems(401, 422))
async def refresh(
    body: RefreshRequest, response: Response, db: Db, settings: AuthSettings, issuer: Issuer
) -> TokenResponse:
    """Exchange a refresh token for new tokens; the old refresh token is spent, and
    presenting it again ends the session."""
    # A reused token revokes its session: that must commit although the answer is 401.
    async with db.transaction() as session:
        tokens = await sessions.refresh(session, settings, issuer, body.refresh_token)
    if tokens is None:
        raise InvalidRefreshToken()
    return token_response(response, tokens)


@router.post(
    "/logout", tags=["sessions"], status_code=status.HTTP_204_NO_CONTENT, responses=problems(422)
)
async def logout(body: LogoutRequest, session: Session, settings: AuthSettings) -> None:
    """Sign out: end the session of a refresh token (its access tokens are refused by
    every service within seconds)."""
    await sessions.logout(session, settings, body.refresh_token)


@router.post("/logout-all", tags=["sessions"], responses=problems(401, 403))
async def logout_all(
    user: CurrentUser, session: Session, settings: AuthSettings
) -> LoggedOutEverywhere:
    """Sign out everywhere: end every session of the caller's account, this one too."""
    return LoggedOutEverywhere(sessions_ended=await sessions.logout_all(session, settings, user))


@router.get("/sessions", tags=["sessions"], responses=problems(401, 403))
async def list_sessions(user: CurrentUser, session: Session) -> SessionsOut:
    """The caller's live sessions (sign-ins), the most recently used first."""
    return SessionsOut(sessions=await sessions.list_own(session, user))


@router.delete(
    "/sessions/{session_id}",
    tags=["sessions"],
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(401, 403, 404, 422),
)
async def revoke_session(
    session_id: uuid.UUID, user: CurrentUser, session: Session, settings: AuthSettings
) -> None:
    """End one of the caller's sessions (404 for anyone else's)."""
    await sessions.revoke_own(session, settings, user, session_id)


@router.get("/me", tags=["accounts"], responses=problems(401, 404))
async def me(user: CurrentUser, session: Session) -> MeOut:
    """The caller's account: school, roles, kind, roster id; names for staff."""
    return await service.me(session, user.account_id)


@router.get("/.well-known/jwks.json", tags=["keys"])
async def jwks(response: Response, session: Session, keys: Keys) -> Jwks:
    """The public keys verifying access tokens: the active key and recently retired ones."""
    response.headers["Cache-Control"] = "public, max-age=60"
    return Jwks.model_validate(await keys.jwks(session))


FORM = "application/x-www-form-urlencoded"
# A token request is four short fields; anything longer is not one.
MAX_TOKEN_REQUEST_BYTES = 4096
SERVICE_TOKEN_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            FORM: {
                "schema": {
                    "type": "object",
                    "required": ["grant_type", "client_id", "client_secret", "scope"],
                    "properties": {
                        "grant_type": {"type": "string", "enum": ["client_credentials"]},
                        "client_id": {"type": "string", "maxLength": 64},
                        "client_secret": {"type": "string", "maxLength": 256},
                        "scope": {"type": "string", "example": "journal.export"},
                    },
                }
            }
        },
    }
}


async def _token_form(request: Request) -> dict[str, str]:
    """The fields of a form-encoded token request (RFC 6749 §4.4.2), bounded in size."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM:
        raise Problem(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            f"A token request is {FORM} (RFC 6749 §4.4.2).",
        )
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_TOKEN_REQUEST_BYTES:
            raise service_clients.InvalidRequest("The token request is too long.")

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    form = await Request(request.scope, receive).form(max_files=0, max_fields=8)
    fields: dict[str, str] = {}
    for name in ("grant_type", "client_id", "client_secret", "scope"):
        values = form.getlist(name)
        if len(values) > 1:
            raise service_clients.InvalidRequest(f"{name} is given more than once.")
        if values:
            value = values[0]
            if not isinstance(value, str) or "\x00" in value:
                raise service_clients.InvalidRequest(f"{name} is not text.")
            fields[name] = value
    return fields


@router.post(
    "/service-token",
    tags=["sessions"],
    responses=problems(400, 401, 415),
    openapi_extra=SERVICE_TOKEN_BODY,
)
async def service_token(
    request: Request,
    response: Response,
    session: Session,
    passwords: PasswordHasher,
    issuer: Issuer,
) -> ServiceTokenResponse:
    """OAuth2 client credentials (RFC 6749 §4.4): a short-lived token for one service."""
    fields = await _token_form(request)
    if fields.get("grant_type") != service_clients.GRANT_TYPE:
        if "grant_type" not in fields:
            raise service_clients.InvalidRequest("grant_type is required.")
        raise service_clients.UnsupportedGrantType()
    client_id, client_secret = fields.get("client_id"), fields.get("client_secret")
    if not client_id or not client_secret:
        raise service_clients.InvalidRequest("client_id and client_secret are required.")
    if len(client_id) > 64 or len(client_secret) > 256:
        raise service_clients.InvalidClient()
    token = await service_clients.issue_token(
        session,
        passwords=passwords,
        issuer=issuer,
        client_id=client_id,
        client_secret=client_secret,
        scope=fields.get("scope"),
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return ServiceTokenResponse(
        access_token=token.access_token, expires_in=token.expires_in, scope=token.scope
    )
