"""Reporting HTTP API."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from reporting import service
from reporting.reports import (
    activity,
    attendance,
    journal_control,
    periods,
    progress,
    quarter_check,
    report_card,
)
from reporting.schedules import api as snapshots
from reporting.schemas import ClassSubjectAverageOut, SchoolAveragesOut
from shared.openapi import problems
from shared.security import CurrentUser
from shared.web import Session

router = APIRouter(tags=["reports"])
averages = router


@router.get("/class-subject-average", responses=problems(404))
async def class_subject_average(
    session: Session,
    user: CurrentUser,
    class_id: Annotated[uuid.UUID, Query()],
    subject_id: Annotated[uuid.UUID, Query()],
) -> ClassSubjectAverageOut:
    """Weighted average of a class's marks in a subject (Σ mark×weight / Σ weight)."""
    result = await service.class_subject_average(session, user, class_id, subject_id)
    return ClassSubjectAverageOut.model_validate(result)


@router.get("/class-subject-averages")
async def school_class_subject_averages(session: Session, user: CurrentUser) -> SchoolAveragesOut:
    """Every class's weighted average in every subject of the school (administration)."""
    averages = await service.school_class_subject_averages(session, user)
    return SchoolAveragesOut(items=[ClassSubjectAverageOut.model_validate(a) for a in averages])


for report in (
    periods,
    progress,
    report_card,
    attendance,
    journal_control,
    quarter_check,
    activity,
    snapshots,
):
    router.include_router(report.router)
