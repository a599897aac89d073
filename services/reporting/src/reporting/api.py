"""Reporting HTTP API."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from reporting import service
from reporting.schemas import ClassSubjectAverageOut
from shared.security import CurrentUser
from shared.web import Session

router = APIRouter(tags=["reports"])


@router.get("/class-subject-average")
async def class_subject_average(
    session: Session,
    user: CurrentUser,
    class_id: Annotated[uuid.UUID, Query()],
    subject_id: Annotated[uuid.UUID, Query()],
) -> ClassSubjectAverageOut:
    """Weighted average of a class's marks in a subject (Σ mark×weight / Σ weight)."""
    result = await service.class_subject_average(session, user, class_id, subject_id)
    return ClassSubjectAverageOut.model_validate(result)
