"""Routes of the curriculum (/years/{year}/curriculum) and of thematic plans
(/assignments/{assignment}/plans/{year})."""

import uuid
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from journal.curriculum import hours, plans, rules
from journal.curriculum.plan_file import MAX_FILE_BYTES
from journal.curriculum.schemas import (
    CurriculumHoursOut,
    CurriculumIn,
    CurriculumList,
    CurriculumOut,
    Grade,
    PlanIn,
    PlanItemAdd,
    PlanItemChange,
    PlanItemOut,
    PlanOut,
    SubjectHoursOut,
    Version,
)
from shared.errors import Problem
from shared.openapi import problems
from shared.security import CurrentUser
from shared.web import Session

router = APIRouter(tags=["curriculum"])

CSV_TYPES = ("text/csv", "text/plain", "application/csv")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _hours(weekly: Decimal, grade: int) -> float:
    return float(rules.yearly_hours(weekly, grade))


def curriculum_out(view: hours.LevelView) -> CurriculumOut:
    return CurriculumOut(
        year_id=view.year_id,
        grade=view.grade,
        weeks=rules.weeks_in_year(view.grade),
        version=view.version,
        subjects=[
            SubjectHoursOut(
                subject_id=s.subject_id,
                subject_name=s.subject_name,
                weekly_hours=float(s.weekly_hours),
                yearly_hours=_hours(s.weekly_hours, view.grade),
            )
            for s in view.subjects
        ],
        weekly_total=float(sum((s.weekly_hours for s in view.subjects), Decimal(0))),
        yearly_total=_hours(sum((s.weekly_hours for s in view.subjects), Decimal(0)), view.grade),
    )


def plan_out(view: plans.PlanView) -> PlanOut:
    context = view.context
    yearly = view.yearly_hours
    return PlanOut(
        plan_id=view.plan.id if view.plan else None,
        assignment_id=context.assignment.id,
        year_id=context.year.id,
        class_id=context.assignment.class_id,
        subject_id=context.assignment.subject_id,
        version=view.version,
        items=[
            PlanItemOut(
                item_id=item.item_id,
                position=position,
                topic=item.values.topic,
                hours=item.values.hours,
                work_type=item.values.work_type,
                planned_week=item.values.planned_week,
                planned_on=item.values.planned_on,
                held_lessons=view.held.get(item.item_id, 0),
            )
            for position, item in enumerate(view.items, start=1)
        ],
        planned_hours=view.planned_hours,
        curriculum=(
            None
            if view.weekly_hours is None or yearly is None
            else CurriculumHoursOut(
                weekly_hours=float(view.weekly_hours), yearly_hours=float(yearly)
            )
        ),
        hours_match=None if yearly is None else Decimal(view.planned_hours) == yearly,
        items_held=sum(1 for n in view.held.values() if n > 0),
    )


@router.get("/years/{year_id}/curriculum")
async def list_curriculum(
    year_id: uuid.UUID, session: Session, user: CurrentUser
) -> CurriculumList:
    """The year's curriculum, each class level with its subjects' weekly and yearly hours."""
    levels = await hours.list_levels(session, user, year_id)
    return CurriculumList(items=[curriculum_out(v) for v in levels])


@router.get("/years/{year_id}/curriculum/{grade}")
async def get_curriculum(
    year_id: uuid.UUID, grade: Grade, session: Session, user: CurrentUser
) -> CurriculumOut:
    """One class level's curriculum in the year (version 0 and no subjects while unset)."""
    return curriculum_out(await hours.get_level(session, user, year_id, grade))


@router.put("/years/{year_id}/curriculum/{grade}", responses=problems(409))
async def set_curriculum(
    year_id: uuid.UUID, grade: Grade, data: CurriculumIn, session: Session, user: CurrentUser
) -> CurriculumOut:
    """Replace a class level's subjects and weekly hours (deputy or director); a stale
    `version` answers 409."""
    return curriculum_out(await hours.set_level(session, user, year_id, grade, data))


PLAN = "/assignments/{assignment_id}/plans/{year_id}"


@router.get(PLAN)
async def get_plan(
    assignment_id: uuid.UUID, year_id: uuid.UUID, session: Session, user: CurrentUser
) -> PlanOut:
    """The assignment's thematic plan for the year, with the lessons held on each item and
    its hours against the curriculum's."""
    return plan_out(await plans.read_plan(session, user, assignment_id, year_id))


@router.put(PLAN, responses=problems(409))
async def replace_plan(
    assignment_id: uuid.UUID,
    year_id: uuid.UUID,
    data: PlanIn,
    session: Session,
    user: CurrentUser,
) -> PlanOut:
    """Replace the plan's whole ordered list (the assignment's teacher or the deputy)."""
    return plan_out(await plans.replace_plan(session, user, assignment_id, year_id, data))


@router.post(
    f"{PLAN}/import",
    responses={
        **problems(409, 413),
        415: {**problems(415)[415], "description": "The body is neither CSV nor XLSX"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def import_plan(
    assignment_id: uuid.UUID,
    year_id: uuid.UUID,
    request: Request,
    session: Session,
    user: CurrentUser,
    version: Annotated[Version | None, Query()] = None,
) -> PlanOut:
    """Replace the plan with a CSV or XLSX file's rows (format: services/journal/README.md).
    Every bad row is named with its line in one 422; nothing is written unless the whole
    file is valid."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type not in (*CSV_TYPES, XLSX_TYPE):
        raise Problem(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            f"Send the file as text/csv or {XLSX_TYPE}.",
        )
    content = bytearray()
    async for chunk in request.stream():
        content.extend(chunk)
        if len(content) > MAX_FILE_BYTES:
            raise Problem(
                413, "file-too-large", "File too large", f"At most {MAX_FILE_BYTES} bytes."
            )
    view = await plans.import_plan(session, user, assignment_id, year_id, bytes(content), version)
    return plan_out(view)


@router.post(f"{PLAN}/items", status_code=status.HTTP_201_CREATED, responses=problems(409))
async def add_plan_item(
    assignment_id: uuid.UUID,
    year_id: uuid.UUID,
    data: PlanItemAdd,
    session: Session,
    user: CurrentUser,
) -> PlanOut:
    """Add one item (at `position`, or at the end)."""
    view, _ = await plans.add_item(session, user, assignment_id, year_id, data)
    return plan_out(view)


@router.patch(f"{PLAN}/items/{{item_id}}", responses=problems(409))
async def change_plan_item(
    assignment_id: uuid.UUID,
    year_id: uuid.UUID,
    item_id: uuid.UUID,
    data: PlanItemChange,
    session: Session,
    user: CurrentUser,
) -> PlanOut:
    """Change one item's fields or move it to another position."""
    return plan_out(await plans.change_item(session, user, assignment_id, year_id, item_id, data))


@router.delete(f"{PLAN}/items/{{item_id}}", responses=problems(409))
async def remove_plan_item(
    assignment_id: uuid.UUID,
    year_id: uuid.UUID,
    item_id: uuid.UUID,
    session: Session,
    user: CurrentUser,
    version: Annotated[Version | None, Query()] = None,
) -> PlanOut:
    """Remove one item; lessons linked to it keep their topic text and lose the link."""
    return plan_out(
        await plans.remove_item(session, user, assignment_id, year_id, item_id, version)
    )
