"""A parent's consents (under /api/auth/consents); the rules are in auth.consents."""

import uuid

from fastapi import APIRouter

from auth import consents
from auth.consents import ConsentOut, ConsentsOut
from shared.contracts.auth import ConsentPurpose
from shared.openapi import problems
from shared.security import CurrentUser
from shared.web import Session

router = APIRouter()


@router.get("/consents", tags=["consents"], responses=problems(403))
async def list_consents(user: CurrentUser, session: Session) -> ConsentsOut:
    """The caller's children, each with every purpose: given or not, and since when."""
    return await consents.list_consents(session, user)


@router.put("/consents/{student_id}/{purpose}", tags=["consents"], responses=problems(403, 404))
async def give_consent(
    student_id: uuid.UUID, purpose: ConsentPurpose, user: CurrentUser, session: Session
) -> ConsentOut:
    """The parent consents to a purpose for their child (recorded and published)."""
    return await consents.set_consent(session, user, student_id, purpose, given=True)


@router.delete("/consents/{student_id}/{purpose}", tags=["consents"], responses=problems(403, 404))
async def revoke_consent(
    student_id: uuid.UUID, purpose: ConsentPurpose, user: CurrentUser, session: Session
) -> ConsentOut:
    """The parent revokes the consent (recorded and published)."""
    return await consents.set_consent(session, user, student_id, purpose, given=False)
