"""Weekly user activity (DESIGN.md §7): unique daily sign-ins by role, actions (marks
entered, lessons filled), and the staff who filled no journal that week. Days are the
school's (its time zone).

Messages sent come from `messaging.message.sent.v1`; diary views wait for their event
(journal publishes none yet): answered as null and named in `waiting`."""

import uuid
from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.access import reach_of
from reporting.formats.documents import FILE_RESPONSES, FileFormat, as_format
from reporting.projections.registry import LESSON_FILLED, MARK_ENTERED, MESSAGE_SENT, SIGNED_IN
from reporting.projections.tables import ActivityRow, AssignmentRow, StaffRow
from reporting.reports.journal_stats import school_timezone
from reporting.reports.scope import ReportModel
from shared.contracts import BY_ROUTING_KEY
from shared.errors import Forbidden
from shared.openapi import problems
from shared.security import CurrentUser, User
from shared.web import Session

router = APIRouter(tags=["activity"])

MESSAGE_SENT_EVENT = "messaging.message.sent.v1"
DIARY_VIEWED = "journal.diary.viewed.v1"


class DaySignInsOut(ReportModel):
    on: date
    sign_ins_by_role: dict[str, int] = Field(description="Accounts signed in that day, by role.")


class ActionsOut(ReportModel):
    marks_entered: int
    lessons_filled: int
    messages_sent: int
    diary_views: int | None = Field(description="None until journal publishes diary views.")


class IdleStaffOut(ReportModel):
    account_id: uuid.UUID
    name: str | None


class ActivityOut(ReportModel):
    week_starts_on: date
    week_ends_on: date
    days: list[DaySignInsOut] = Field(description="Monday to Sunday, in the school's days.")
    unique_sign_ins_by_role: dict[str, int] = Field(
        description="Accounts signed in during the week, by role."
    )
    actions: ActionsOut
    waiting: list[str] = Field(description="Figures whose events are not published yet.")
    staff_without_entries: list[IdleStaffOut] = Field(
        description="Teachers who made no journal entry in the week."
    )


def week_of(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


async def weekly_activity(session: AsyncSession, user: User, week: date) -> ActivityOut:
    reach = await reach_of(session, user)
    if not reach.whole_school:
        raise Forbidden("The activity report is for the director and the deputies.")
    monday, sunday = week_of(week)
    zone = ZoneInfo(await school_timezone(session, user.school_id))
    start = datetime.combine(monday, time(), zone)
    end = datetime.combine(sunday + timedelta(days=1), time(), zone)
    rows = (
        await session.execute(
            select(
                ActivityRow.kind, ActivityRow.account_id, ActivityRow.roles, ActivityRow.occurred_at
            ).where(
                ActivityRow.school_id == user.school_id,
                ActivityRow.occurred_at >= start,
                ActivityRow.occurred_at < end,
            )
        )
    ).all()
    days: dict[date, dict[str, set[uuid.UUID]]] = {monday + timedelta(days=n): {} for n in range(7)}
    week_roles: dict[str, set[uuid.UUID]] = {}
    actions = {MARK_ENTERED: 0, LESSON_FILLED: 0, MESSAGE_SENT: 0}
    active_staff: set[uuid.UUID] = set()
    for kind, account, roles, at in rows:
        if kind == SIGNED_IN and account is not None:
            day = at.astimezone(zone).date()
            for role in roles or ["unknown"]:
                days[day].setdefault(role, set()).add(account)
                week_roles.setdefault(role, set()).add(account)
        else:
            actions[kind] = actions.get(kind, 0) + 1
            if kind != MESSAGE_SENT and account is not None:
                active_staff.add(account)
    teachers = set(
        await session.scalars(
            select(AssignmentRow.teacher_id).where(AssignmentRow.school_id == user.school_id)
        )
    )
    names = {
        s.account_id: " ".join(p for p in (s.last_name, s.first_name, s.middle_name) if p)
        for s in await session.scalars(select(StaffRow).where(StaffRow.school_id == user.school_id))
    }
    idle = sorted(teachers - active_staff, key=lambda t: (names.get(t, ""), str(t)))
    waiting = [
        name
        for name, routing_key in (
            ("messages_sent", MESSAGE_SENT_EVENT),
            ("diary_views", DIARY_VIEWED),
        )
        if routing_key not in BY_ROUTING_KEY
    ]
    return ActivityOut.model_validate(
        {
            "week_starts_on": monday,
            "week_ends_on": sunday,
            "days": [
                {"on": day, "sign_ins_by_role": {r: len(a) for r, a in sorted(by_role.items())}}
                for day, by_role in days.items()
            ],
            "unique_sign_ins_by_role": {r: len(a) for r, a in sorted(week_roles.items())},
            "actions": {
                "marks_entered": actions[MARK_ENTERED],
                "lessons_filled": actions[LESSON_FILLED],
                "messages_sent": actions[MESSAGE_SENT],
                "diary_views": None,
            },
            "waiting": waiting,
            "staff_without_entries": [{"account_id": t, "name": names.get(t)} for t in idle],
        }
    )


@router.get("/activity", responses={**problems(403, 422), **FILE_RESPONSES})
async def get_activity(
    session: Session,
    user: CurrentUser,
    week: Annotated[date, Query(description="any day of the week (Monday to Sunday)")],
    file_format: FileFormat = "json",
) -> ActivityOut:
    """The week's user activity in the school."""
    return as_format("activity", await weekly_activity(session, user, week), file_format)
