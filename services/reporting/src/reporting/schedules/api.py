"""The stored snapshots: their list, and each in any format."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from reporting.access import SCHOOL_READERS
from reporting.formats.documents import FileFormat, as_format
from reporting.schedules.tables import SnapshotRow
from shared.errors import Forbidden, NotFound
from shared.openapi import problems
from shared.security import CurrentUser, User
from shared.web import Session

router = APIRouter(tags=["snapshots"])


class SnapshotOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    report_id: uuid.UUID
    kind: str = Field(description="progress, quarter-check, journal-control or activity.")
    title: str
    params: dict[str, str] = Field(description="What it was produced for (period, month, week).")
    period_id: uuid.UUID | None
    created_at: datetime


class SnapshotsOut(BaseModel):
    items: list[SnapshotOut] = Field(description="Newest first.")


def _administration(user: User) -> None:
    if not user.has(*SCHOOL_READERS):
        raise Forbidden("Scheduled reports are for the director and the deputies.")


@router.get("/snapshots", responses=problems(403))
async def list_snapshots(
    session: Session,
    user: CurrentUser,
    kind: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> SnapshotsOut:
    """The school's produced reports, newest first (paginated)."""
    _administration(user)
    query = select(SnapshotRow).where(SnapshotRow.school_id == user.school_id)
    if kind is not None:
        query = query.where(SnapshotRow.kind == kind)
    rows = await session.scalars(
        query.order_by(SnapshotRow.created_at.desc(), SnapshotRow.report_id)
        .limit(limit)
        .offset(offset)
    )
    return SnapshotsOut(items=[SnapshotOut.model_validate(r) for r in rows])


@router.get("/snapshots/{report_id}", responses=problems(403, 404, 422))
async def get_snapshot(
    session: Session,
    user: CurrentUser,
    report_id: uuid.UUID,
    file_format: FileFormat = "json",
) -> dict[str, Any]:
    """A produced report as it was produced, in any format."""
    _administration(user)
    row = await session.get(SnapshotRow, report_id)
    if row is None or row.school_id != user.school_id:
        raise NotFound("report")
    return as_format(row.kind, row.body, file_format)
