"""Messaging HTTP API: a student's or a parent's own notifications."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from messaging import service
from messaging.schemas import NotificationOut, NotificationPage
from shared.inputs import PageOffset
from shared.security import CurrentUser
from shared.web import Session

router = APIRouter(tags=["notifications"])

MAX_PAGE = 100


@router.get("/notifications")
async def list_notifications(
    session: Session,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
    offset: Annotated[PageOffset, Query()] = 0,
) -> NotificationPage:
    """The caller's own notifications, newest first."""
    items, total = await service.list_notifications(session, user, limit=limit, offset=offset)
    return NotificationPage(
        items=[NotificationOut.model_validate(n) for n in items],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.post(
    "/notifications/{notification_id}/read",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
)
async def read_notification(
    notification_id: uuid.UUID, session: Session, user: CurrentUser
) -> None:
    """Mark one of the caller's notifications read (repeating it changes nothing)."""
    await service.mark_read(session, user, notification_id)
