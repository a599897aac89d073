"""Routes of the teacher's journal page."""

import uuid

from fastapi import APIRouter
from fastapi.responses import Response

from journal.marks.api import IdempotencyKeyHeader, idempotent
from journal.page import service
from journal.page.schemas import JournalPage, PageSave, PageSaved
from shared.openapi import problems
from shared.security import CurrentUser
from shared.web import Session

router = APIRouter(tags=["journal page"])

PAGE = "/assignments/{assignment_id}/periods/{period_id}/page"


@router.get(PAGE, response_model=JournalPage, responses=problems(404))
async def read_page(
    assignment_id: uuid.UUID, period_id: uuid.UUID, session: Session, user: CurrentUser
) -> Response:
    """The journal page of an assignment in a period, all the grid needs in one answer:
    the students enrolled during the period (with their enrollment spells), the lessons,
    each cell's marks and attendance with their versions, the work types and the
    thematic plan's items. The assignment's teacher, the class teacher, the deputy and
    the director; 404 for another teacher's assignment."""
    body = await service.read_page(session, user, assignment_id, period_id)
    return Response(body, media_type="application/json")


@router.post(PAGE, response_model=PageSaved, responses=problems(404, 409))
async def save_page(
    assignment_id: uuid.UUID,
    period_id: uuid.UUID,
    data: PageSave,
    session: Session,
    user: CurrentUser,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Save many cells of the page at once, all or nothing: new marks, changed and removed
    marks (with a reason and the mark's version), attendance set or cleared (with the
    cell's version) and lessons' topics, plan items and homework (with the lesson's
    version), by the single-cell rules. Any bad change refuses the save (422 listing
    every bad change); any stale version refuses it (409 listing every conflict with the
    current state). With an `Idempotency-Key` a repeat gets the first answer."""
    return await idempotent(
        session,
        user,
        idempotency_key,
        f"POST /assignments/{assignment_id}/periods/{period_id}/page",
        data.model_dump(mode="json", exclude_unset=True),
        lambda: service.save_page(session, user, assignment_id, period_id, data),
    )
