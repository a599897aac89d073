"""Granting and revoking staff roles (under /api/auth); the grant table is in auth.roles."""

import uuid

from fastapi import APIRouter

from auth import roles
from auth.issuance.schemas import AccountRoles
from shared.contracts.auth import StaffRole
from shared.openapi import problems
from shared.security import CurrentUser
from shared.web import Session

router = APIRouter()


@router.put(
    "/accounts/{account_id}/roles/{role}", tags=["roles"], responses=problems(403, 404, 409)
)
async def grant_role(
    account_id: uuid.UUID, role: StaffRole, user: CurrentUser, session: Session
) -> AccountRoles:
    """Grant a staff role, as the grant table allows the caller; one already held
    changes nothing. Answers the account's roles."""
    held = await roles.grant(session, user, account_id, role)
    return AccountRoles(account_id=account_id, roles=held)


@router.delete(
    "/accounts/{account_id}/roles/{role}", tags=["roles"], responses=problems(403, 404, 409)
)
async def revoke_role(
    account_id: uuid.UUID, role: StaffRole, user: CurrentUser, session: Session
) -> AccountRoles:
    """Take a staff role away (the same table decides who may); one not held changes
    nothing. Answers the account's roles."""
    held = await roles.revoke(session, user, account_id, role)
    return AccountRoles(account_id=account_id, roles=held)
