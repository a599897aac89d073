"""Routes of the year end: closing a year, and its export to the archive."""

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from journal.yearend import close
from journal.yearend.export import year_lines
from journal.yearend.schemas import YearClosedOut
from shared.db import Database
from shared.openapi import problems
from shared.security import CurrentUser, Service, service_caller
from shared.web import Session

router = APIRouter(tags=["year end"])

EXPORT_SCOPE = "journal.export"
NDJSON = "application/x-ndjson"
ExportCaller = Annotated[Service, Depends(service_caller(EXPORT_SCOPE))]


@router.post("/years/{year_id}/close", responses=problems(409))
async def close_year(year_id: uuid.UUID, session: Session, user: CurrentUser) -> YearClosedOut:
    """Close a year whose periods are all closed (deputy or director): it becomes
    read-only and `journal.year.closed.v1` carries the manifest of its export."""
    closed = await close.close_year(session, user, year_id)
    year = closed.year
    assert year.closed_at is not None and year.closed_by is not None
    return YearClosedOut(
        year_id=year.id,
        name=year.name,
        starts_on=year.starts_on,
        ends_on=year.ends_on,
        version=year.version,
        closed_at=year.closed_at,
        closed_by=year.closed_by,
        manifest=closed.manifest,
    )


async def _stream(db: Database, year_id: uuid.UUID) -> AsyncIterator[bytes]:
    # The response outlives the request's own session: the stream reads in a transaction
    # of its own, through server-side cursors, while the lines are sent.
    async with db.transaction() as session:
        year = await close.exportable_year(session, year_id)
        async for line in year_lines(session, year):
            yield line


@router.get(
    "/years/{year_id}/export",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The year's records as NDJSON: header, class journals, trailer",
            "content": {NDJSON: {"schema": {"type": "string"}}},
        },
        **problems(401, 403, 409),
    },
)
async def export_year(
    year_id: uuid.UUID, request: Request, session: Session, caller: ExportCaller
) -> StreamingResponse:
    """A closed year's journal, streamed (a service token with `journal.export` only)."""
    await close.exportable_year(session, year_id)  # 404 and 409 before the stream starts
    db: Database = request.app.state.db
    return StreamingResponse(
        _stream(db, year_id),
        media_type=NDJSON,
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )
