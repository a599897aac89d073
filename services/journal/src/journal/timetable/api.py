"""Routes of the timetable: the bell schedule, weekly entries, a class's week, and
generating a period's lessons."""

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from journal.calendar.service import school_today
from journal.corrections import based_on
from journal.marks.api import IfMatchHeader
from journal.timetable import generate, service
from journal.timetable.schemas import (
    BellScheduleIn,
    BellScheduleOut,
    ClassTimetable,
    EntryCreate,
    EntryEnd,
    EntryOut,
    GenerateIn,
    GenerateOut,
)
from shared.inputs import INT32_MAX, Day
from shared.openapi import problems
from shared.security import CurrentUser
from shared.web import Session

router = APIRouter(tags=["timetable"])


@router.get("/bell-schedule")
async def read_bells(session: Session, user: CurrentUser) -> BellScheduleOut:
    """The school's bell schedule: when each lesson of the day starts and ends."""
    return await service.read_bells(session, user)


@router.put("/bell-schedule", responses=problems(409))
async def set_bells(data: BellScheduleIn, session: Session, user: CurrentUser) -> BellScheduleOut:
    """Replace the bell schedule, based on the version read (deputy, director): lesson
    numbers distinct, each ending after it starts, in order without overlaps."""
    return await service.set_bells(session, user, data)


@router.post(
    "/timetable/entries", status_code=status.HTTP_201_CREATED, responses=problems(404, 409)
)
async def add_entry(data: EntryCreate, session: Session, user: CurrentUser) -> EntryOut:
    """Put an assignment into a weekly slot of its class or one of its groups, from a
    date (deputy, director); the class, the group and the teacher must be free then."""
    return (await service.add_entry(session, user, data)).out()


@router.patch("/timetable/entries/{entry_id}", responses=problems(400, 404, 409, 428))
async def end_entry(
    entry_id: uuid.UUID,
    data: EntryEnd,
    session: Session,
    user: CurrentUser,
    if_match: IfMatchHeader = None,
) -> EntryOut:
    """Set an entry's last day, based on its version (deputy, director)."""
    version = based_on(if_match, data.version)
    return (await service.end_entry(session, user, entry_id, data, version)).out()


@router.delete(
    "/timetable/entries/{entry_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(400, 404, 409, 428),
)
async def remove_entry(
    entry_id: uuid.UUID,
    session: Session,
    user: CurrentUser,
    version: Annotated[int | None, Query(ge=0, le=INT32_MAX)] = None,
    if_match: IfMatchHeader = None,
) -> None:
    """Remove an entry made by mistake, based on its version (`If-Match` or `?version=`;
    deputy, director); lessons generated from it stay."""
    await service.remove_entry(session, user, entry_id, based_on(if_match, version))


@router.get("/classes/{class_id}/timetable", responses=problems(404))
async def class_timetable(
    class_id: uuid.UUID,
    session: Session,
    user: CurrentUser,
    on: Annotated[Day | None, Query()] = None,
) -> ClassTimetable:
    """The class's weekly timetable valid on `on` (default today in the school's zone)."""
    day: dt.date = on or await school_today(session, user.school_id)
    return await service.class_timetable(session, user, class_id, day)


@router.post("/timetable/generate", responses=problems(404))
async def generate_lessons(data: GenerateIn, session: Session, user: CurrentUser) -> GenerateOut:
    """Make the period's missing lessons from the timetable (deputy, director); running it
    again makes only what is still missing."""
    return await generate.generate_lessons(session, user, data)
