"""Routes of the school domain."""

from fastapi import APIRouter

from journal.school import service
from journal.school.schemas import WorkTypeList, WorkTypeOut
from shared.security import CurrentUser
from shared.web import Session

router = APIRouter(tags=["school"])


@router.get("/work-types")
async def list_work_types(session: Session, user: CurrentUser) -> WorkTypeList:
    """The caller's school's work types with their weights."""
    work_types = await service.list_work_types(session, user)
    return WorkTypeList(
        items=[WorkTypeOut(code=w.code, name=w.name, weight=w.weight) for w in work_types]
    )
