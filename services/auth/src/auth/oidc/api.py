"""External sign-in's HTTP API (under /api/auth/oidc): 404 `oidc-not-configured` on every
endpoint but the first while no provider is configured."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from auth.api import AuthSettings, Db, Issuer, get_clock
from auth.models import Account
from auth.oidc import flows, links
from auth.oidc.provider import Identity, Provider
from auth.oidc.schemas import AuthorizationOut, CallbackIn, CallbackOut, LinkOut, ProviderOut
from auth.oidc.signin import SignedIn, sign_in
from auth.schemas import SignInResponse
from auth.settings import Settings
from auth.signin.flow import Clock
from shared.errors import Conflict, Problem, Unauthenticated
from shared.openapi import problems
from shared.security import CurrentUser
from shared.web import Session

router = APIRouter(prefix="/oidc", tags=["external sign-in"])


class NotConfigured(Problem):
    def __init__(self) -> None:
        super().__init__(
            404,
            "oidc-not-configured",
            "External sign-in is off",
            "No external identity provider is configured on this server.",
        )


class Denied(Problem):
    def __init__(self) -> None:
        super().__init__(
            400,
            "oidc-denied",
            "Sign-in at the provider did not complete",
            "The provider answered with an error (the person declined, or it failed).",
        )


def _provider(request: Request) -> Provider:
    provider: Provider | None = request.app.state.oidc_provider
    if provider is None:
        raise NotConfigured()
    return provider


ConfiguredProvider = Annotated[Provider, Depends(_provider)]
Now = Annotated[Clock, Depends(get_clock)]


def _set_browser_cookie(response: Response, settings: Settings, browser: str) -> None:
    response.set_cookie(
        flows.COOKIE,
        browser,
        max_age=settings.oidc_flow_ttl,
        path=flows.COOKIE_PATH,
        secure=settings.device_cookie_secure,
        httponly=True,
        # Lax: the browser comes back from the provider by a top-level navigation.
        samesite="lax",
    )


async def _start(
    request: Request,
    response: Response,
    db: Db,
    settings: Settings,
    provider: Provider,
    now: datetime,
    account_id: uuid.UUID | None,
) -> AuthorizationOut:
    browser = flows.browser_secret(request.cookies.get(flows.COOKIE))
    # The provider's metadata first: no flow is recorded while it is away.
    await provider.discovery()
    async with db.transaction() as session:
        if account_id is not None:
            await links.linking_account(session, account_id)
            if await links.find_link(session, account_id, provider.issuer) is not None:
                raise Conflict(
                    "oidc-already-linked", "This account is linked already; unlink it first."
                )
        started = await flows.start(
            session,
            browser=browser,
            purpose="link" if account_id else "sign_in",
            account_id=account_id,
            now=now,
            ttl=settings.oidc_flow_ttl,
        )
    _set_browser_cookie(response, settings, browser)
    response.headers["Cache-Control"] = "no-store"
    url = await provider.authorization_url(
        state=started.state, nonce=started.nonce, verifier=started.verifier
    )
    return AuthorizationOut(authorization_url=url)


@router.get("")
async def provider_status(request: Request) -> ProviderOut:
    """Whether sign-in through an external provider (ЕСИА, say) is offered."""
    provider: Provider | None = request.app.state.oidc_provider
    if provider is None:
        return ProviderOut(configured=False)
    return ProviderOut(configured=True, name=provider.name)


@router.post("/sign-in", responses=problems(404))
async def start_sign_in(
    request: Request,
    response: Response,
    db: Db,
    settings: AuthSettings,
    provider: ConfiguredProvider,
    clock: Now,
) -> AuthorizationOut:
    """Start signing in at the provider: the URL to send the browser to (code flow with
    PKCE; state and nonce kept here, bound to this browser by a cookie)."""
    return await _start(request, response, db, settings, provider, clock(), None)


@router.post("/link", responses=problems(404, 409))
async def start_link(
    request: Request,
    response: Response,
    user: CurrentUser,
    db: Db,
    settings: AuthSettings,
    provider: ConfiguredProvider,
    clock: Now,
) -> AuthorizationOut:
    """Start linking the caller's account to their account at the provider (adults only:
    403 `oidc-link-not-allowed` for a student; 409 when linked already)."""
    return await _start(request, response, db, settings, provider, clock(), user.account_id)


@router.get("/link", responses=problems(404))
async def own_link(user: CurrentUser, session: Session, provider: ConfiguredProvider) -> LinkOut:
    """Whether the caller's account is linked to the provider, and whether it may be."""
    account = await session.get(Account, user.account_id)
    if account is None or not account.is_active:
        raise Unauthenticated("The account no longer exists or is disabled.")
    linked = await links.find_link(session, account.id, provider.issuer)
    return LinkOut(
        provider_name=provider.name,
        may_link=links.may_link(account),
        linked=linked is not None,
        linked_at=linked.linked_at if linked else None,
    )


@router.delete("/link", status_code=status.HTTP_204_NO_CONTENT, responses=problems(404))
async def unlink(
    user: CurrentUser, session: Session, provider: ConfiguredProvider, clock: Now
) -> None:
    """Remove the caller's link: no more sign-in through the provider (sessions opened
    there stay until signed out)."""
    await links.unlink(session, user.account_id, provider.issuer, clock())


@router.post("/callback", responses=problems(400, 403, 404, 409, 422))
async def callback(
    body: CallbackIn,
    request: Request,
    response: Response,
    db: Db,
    settings: AuthSettings,
    issuer: Issuer,
    provider: ConfiguredProvider,
    clock: Now,
) -> CallbackOut:
    """Complete a sign-in or a link with what the provider sent the browser back with.

    The state is spent whatever follows; the code is exchanged (with the PKCE verifier)
    and the ID token verified (signature, iss, aud, exp, nonce). A sign-in opens a session
    of the linked account, as /login does; an unknown subject is refused
    (`oidc-not-linked`: link it first), so is a disabled account."""
    now = clock()
    async with db.transaction() as session:
        returned = await flows.consume(
            session, state=body.state, browser=request.cookies.get(flows.COOKIE), now=now
        )
    if returned is None:
        raise flows.InvalidState()
    response.delete_cookie(flows.COOKIE, path=flows.COOKIE_PATH)
    response.headers["Cache-Control"] = "no-store"
    if body.error is not None or body.code is None:
        raise Denied()
    if body.iss is not None and body.iss.rstrip("/") != provider.issuer:
        raise Denied()
    id_token = await provider.exchange(body.code, returned.verifier)
    identity: Identity = await provider.verify(id_token, returned.nonce)
    now = clock()
    if returned.purpose == "link":
        assert returned.account_id is not None
        async with db.transaction() as session:
            linked = await links.link(session, returned.account_id, identity, now)
        return CallbackOut(outcome="linked", linked_at=linked.linked_at)
    async with db.transaction() as session:
        result = await sign_in(
            session,
            settings,
            issuer,
            identity,
            audience=None,
            client=request.headers.get("user-agent"),
            now=now,
        )
    if isinstance(result, Problem):
        raise result
    assert isinstance(result, SignedIn)
    tokens = result.tokens
    return CallbackOut(
        outcome="signed_in",
        tokens=SignInResponse(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_in=tokens.expires_in,
            session_id=uuid.UUID(result.session_id),
        ),
    )
