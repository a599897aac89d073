"""Routes of the school domain: work types."""

from fastapi import APIRouter, status

from journal.school import work_types
from journal.school.models import WorkType
from journal.school.schemas import (
    WorkTypeChange,
    WorkTypeCode,
    WorkTypeCreate,
    WorkTypeList,
    WorkTypeOut,
)
from shared.openapi import problems
from shared.security import CurrentUser
from shared.web import Session

router = APIRouter(tags=["school"])


def work_type_out(w: WorkType) -> WorkTypeOut:
    return WorkTypeOut(
        code=w.code, name=w.name, weight=w.weight, active=w.active, version=w.version
    )


@router.get("/work-types")
async def list_work_types(session: Session, user: CurrentUser) -> WorkTypeList:
    """The caller's school's work types with their weights, inactive ones included."""
    return WorkTypeList(
        items=[work_type_out(w) for w in await work_types.list_work_types(session, user)]
    )


@router.post("/work-types", status_code=status.HTTP_201_CREATED, responses=problems(409))
async def add_work_type(data: WorkTypeCreate, session: Session, user: CurrentUser) -> WorkTypeOut:
    """Add a work type with its weight (deputy or director)."""
    return work_type_out(await work_types.add_work_type(session, user, data))


@router.patch("/work-types/{code}", responses=problems(409))
async def change_work_type(
    code: WorkTypeCode, data: WorkTypeChange, session: Session, user: CurrentUser
) -> WorkTypeOut:
    """Change a work type's name or weight, or deactivate it (deputy or director).
    Averages use the current weight, so a new weight applies to marks already given."""
    return work_type_out(await work_types.change_work_type(session, user, code, data))
