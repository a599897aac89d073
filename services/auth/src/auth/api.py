"""The auth HTTP API (mounted under /api/auth)."""

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from starlette.types import Message

from auth import service, service_clients
from auth.keys import KeyRing
from auth.passwords import Passwords, Sleeper
from auth.schemas import (
    CredentialsIssue,
    CredentialsOut,
    Jwks,
    LoginRequest,
    LogoutRequest,
    MeOut,
    RefreshRequest,
    ServiceTokenResponse,
    StaffCreate,
    StaffOut,
    TokenResponse,
)
from auth.settings import Settings
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


def _token_response(response: Response, tokens: TokenPair) -> TokenResponse:
    response.headers["Cache-Control"] = "no-store"
    return TokenResponse(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_in=tokens.expires_in,
    )


@router.post("/login", tags=["sessions"], responses=problems(401, 422))
async def login(
    body: LoginRequest,
    response: Response,
    db: Db,
    settings: AuthSettings,
    passwords: PasswordHasher,
    issuer: Issuer,
    sleep: Sleep,
) -> TokenResponse:
    """Log in with a login and password; answers an access and a refresh token."""
    # The wait happens outside any transaction, so slowed-down attempts hold no connection.
    async with db.transaction() as session:
        delay = await service.login_delay(session, settings, body.login)
    if delay > 0:
        await sleep(delay)
    # The failure record must be committed although the answer is an error.
    async with db.transaction() as session:
        tokens = await service.login(
            session,
            passwords=passwords,
            issuer=issuer,
            settings=settings,
            login=body.login,
            password=body.password,
        )
    if tokens is None:
        raise InvalidCredentials()
    return _token_response(response, tokens)


@router.post("/token/refresh", tags=["sessions"], responses=problems(401, 422))
async def refresh(
    body: RefreshRequest, response: Response, db: Db, issuer: Issuer
) -> TokenResponse:
    """Exchange a refresh token for new tokens; the old refresh token is spent."""
    # A reused token revokes its family: that must commit although the answer is 401.
    async with db.transaction() as session:
        tokens = await service.refresh(session, issuer, body.refresh_token)
    if tokens is None:
        raise InvalidRefreshToken()
    return _token_response(response, tokens)


@router.post(
    "/logout", tags=["sessions"], status_code=status.HTTP_204_NO_CONTENT, responses=problems(422)
)
async def logout(body: LogoutRequest, session: Session) -> None:
    """End the session of a refresh token (all tokens rotated from the same login)."""
    await service.logout(session, body.refresh_token)


@router.get("/me", tags=["accounts"], responses=problems(401, 404))
async def me(user: CurrentUser, session: Session) -> MeOut:
    """The caller's account: school, roles, kind, roster id; names for staff."""
    return await service.me(session, user.account_id)


@router.post(
    "/staff",
    tags=["accounts"],
    status_code=status.HTTP_201_CREATED,
    responses=problems(401, 403, 404, 409, 422),
)
async def create_staff(
    body: StaffCreate, user: CurrentUser, session: Session, passwords: PasswordHasher
) -> StaffOut:
    """The system administrator creates a staff account in their own school."""
    user.require("sysadmin")
    return await service.create_staff(session, passwords, school_id=user.school_id, data=body)


@router.post(
    "/credentials",
    tags=["accounts"],
    status_code=status.HTTP_201_CREATED,
    responses=problems(401, 403, 404, 409, 422),
)
async def issue_credentials(
    body: CredentialsIssue, user: CurrentUser, session: Session, passwords: PasswordHasher
) -> CredentialsOut:
    """The deputy issues a login to a student or parent on their school's roster."""
    user.require("deputy")
    return await service.issue_credentials(session, passwords, school_id=user.school_id, data=body)


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
