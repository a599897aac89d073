"""The auth HTTP API (mounted under /api/auth)."""

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from auth import service
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
