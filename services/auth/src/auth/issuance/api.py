"""The issuance API (under /api/auth): staff accounts, students' and parents' credentials,
a class's slips, activation, reissue and reset, disabling, a parent's second school."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel

from auth.api import AuthSettings, Db, Issuer, PasswordHasher, token_response
from auth.issuance import service
from auth.issuance.schemas import (
    AccountIssued,
    AccountsPage,
    ActivateRequest,
    AttachRequest,
    ClassCredentialsRequest,
)
from auth.schemas import CredentialsIssue, CredentialsOut, StaffCreate, StaffOut, TokenResponse
from shared.openapi import problems
from shared.security import CurrentUser
from shared.web import Session

router = APIRouter()


@router.post(
    "/staff",
    tags=["accounts"],
    status_code=status.HTTP_201_CREATED,
    responses=problems(401, 403, 404, 409, 422),
)
async def create_staff(
    body: StaffCreate,
    user: CurrentUser,
    session: Session,
    passwords: PasswordHasher,
    settings: AuthSettings,
) -> StaffOut:
    """The system administrator creates a staff account in their own school, with the
    roles the grant table lets them grant; the answer carries its activation code."""
    await service.require_issuer(session, user, "staff")
    return await service.create_staff(
        session,
        passwords,
        settings,
        school_id=user.school_id,
        data=body,
        issued_by=user.account_id,
    )


@router.post(
    "/credentials",
    tags=["accounts"],
    status_code=status.HTTP_201_CREATED,
    responses=problems(401, 403, 404, 409, 422),
)
async def issue_credentials(
    body: CredentialsIssue,
    user: CurrentUser,
    session: Session,
    passwords: PasswordHasher,
    settings: AuthSettings,
) -> CredentialsOut:
    """The deputy issues an account to a student or parent on their school's roster; the
    answer carries its activation code."""
    await service.require_issuer(session, user, body.kind)
    return await service.issue_credentials(
        session,
        passwords,
        settings,
        school_id=user.school_id,
        data=body,
        issued_by=user.account_id,
    )


PDF = "application/pdf"


@router.post(
    "/classes/{class_id}/credentials",
    tags=["accounts"],
    response_class=Response,
    responses={
        200: {"description": "The slips, one per person issued", "content": {PDF: {}}},
        **problems(401, 403, 404, 409, 422),
    },
)
async def issue_class_credentials(
    class_id: uuid.UUID,
    body: ClassCredentialsRequest,
    user: CurrentUser,
    session: Session,
    passwords: PasswordHasher,
    settings: AuthSettings,
) -> Response:
    """The deputy issues credentials to a class's students and their parents who have no
    active account yet, and gets one PDF of printable slips."""
    document = await service.issue_class(
        session, passwords, settings, user, class_id, body.people, body.class_name
    )
    return Response(
        document,
        media_type=PDF,
        headers={
            "Content-Disposition": f'attachment; filename="credentials-{class_id}.pdf"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/accounts", tags=["accounts"], responses=problems(403))
async def list_accounts(
    user: CurrentUser,
    session: Session,
    kind: Annotated[Literal["staff", "student", "parent"], Query()] = "staff",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> AccountsPage:
    """The school's accounts of one kind, for their issuer (the sysadmin: staff; the
    deputy: students and parents), by login: roles, whether active and activated."""
    items, next_offset = await service.list_accounts(
        session, user, kind=kind, limit=limit, offset=offset
    )
    return AccountsPage(items=items, next_offset=next_offset)


@router.post(
    "/accounts/{account_id}/activation-code",
    tags=["accounts"],
    status_code=status.HTTP_201_CREATED,
    responses=problems(401, 403, 404, 409),
)
async def reissue(
    account_id: uuid.UUID,
    response: Response,
    user: CurrentUser,
    session: Session,
    passwords: PasswordHasher,
    settings: AuthSettings,
) -> AccountIssued:
    """A new activation code from the account's issuer: it replaces a code not yet used,
    or resets an active account's password (its sessions end)."""
    issued = await service.reissue(session, passwords, settings, user, account_id)
    response.headers["Cache-Control"] = "no-store"
    account = issued.account
    return AccountIssued.model_validate(
        {
            "account_id": account.id,
            "login": account.login,
            "kind": account.kind,
            "activation": issued.activation,
        }
    )


@router.post(
    "/accounts/{account_id}/disable",
    tags=["accounts"],
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(401, 403, 404, 409),
)
async def disable(account_id: uuid.UUID, user: CurrentUser, session: Session) -> None:
    """The account's issuer disables it: no more sign-ins, its sessions end."""
    await service.disable(session, user, account_id)


@router.post("/activate", tags=["sessions"], responses=problems(401, 422))
async def activate(
    body: ActivateRequest,
    request: Request,
    response: Response,
    db: Db,
    settings: AuthSettings,
    passwords: PasswordHasher,
    issuer: Issuer,
) -> TokenResponse:
    """The first sign-in: the login and code of the slip and one's own new password;
    answers tokens as a login does. The code is spent."""
    # A wrong try must commit (it counts against the code) although the answer is 401.
    async with db.transaction() as session:
        tokens = await service.activate(
            session,
            passwords=passwords,
            issuer=issuer,
            settings=settings,
            login=body.login,
            code=body.code,
            new_password=body.new_password,
            client=request.headers.get("user-agent"),
        )
    if tokens is None:
        raise service.InvalidActivation()
    return token_response(response, tokens)


class Children(BaseModel):
    children: list[uuid.UUID]


@router.post("/me/guardian-records", tags=["accounts"], responses=problems(401, 403, 409, 422))
async def attach_guardian_record(
    body: AttachRequest,
    user: CurrentUser,
    db: Db,
    settings: AuthSettings,
    passwords: PasswordHasher,
) -> Children:
    """A parent with children in several schools: the slip another school's deputy gave
    (its login and code) joins that school's guardian record to the signed-in account,
    whose token names the children of both from the next token on."""
    # A wrong try must commit (it counts against the code) although the answer is 401.
    async with db.transaction() as session:
        children = await service.attach_guardian(
            session, passwords, settings, user, login=body.login, code=body.code
        )
    if children is None:
        raise service.InvalidActivation()
    return Children(children=children)
