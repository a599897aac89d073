"""Archive HTTP API."""

from fastapi import APIRouter

from archive import service
from archive.schemas import ReceivedEventsSummary
from shared.security import CurrentUser
from shared.web import Session

router = APIRouter(tags=["archive"])


@router.get("/received-events/summary")
async def received_events_summary(session: Session, user: CurrentUser) -> ReceivedEventsSummary:
    """How many journal events of each type archive has received for the caller's school."""
    counts = await service.received_summary(session, user)
    return ReceivedEventsSummary(
        school_id=user.school_id, total=sum(counts.values()), counts=counts
    )
