"""Producing scheduled reports: what is due on a day, a snapshot of each (once: the id
comes from the school, the kind and the parameters), and its event through the outbox.

Due on any day (the scheduler runs daily, `python -m reporting schedule`): the weekly
activity of the last whole week (so on Mondays the week just ended), the journal control
of the last whole month (so at each month's end), and the progress and the quarter-end
check of every closed period (and the year's progress once its last period is closed).
Closing a period also produces its reports at once (consumers.py)."""

import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.formats.documents import period_title
from reporting.projections.tables import PeriodStateRow, SchoolRow, StaffRow, YearRow
from reporting.reports.activity import weekly_activity
from reporting.reports.context import find_period
from reporting.reports.journal_control import journal_control
from reporting.reports.progress import progress_report
from reporting.reports.quarter_check import quarter_check
from reporting.schedules.tables import SnapshotRow
from shared.contracts.reporting import CheckCompleted, ReportReady
from shared.errors import Problem
from shared.outbox import add_event
from shared.security import User

NAMESPACE = uuid.UUID("6f1f8a52-3f43-4c5e-9d8e-5b1c3b2f0a11")
# The scheduler reads the school as its administration does.
SCHEDULER = uuid.UUID(int=0)
ADMINISTRATION = ("director", "deputy")

Build = Callable[[AsyncSession, User, dict[str, str]], Awaitable[Any]]


@dataclass(frozen=True)
class Kind:
    title: str
    build: Build
    event: type[ReportReady] | type[CheckCompleted]


async def _progress(session: AsyncSession, user: User, params: dict[str, str]) -> BaseModel:
    period = await find_period(
        session,
        user.school_id,
        uuid.UUID(params["period_id"]) if "period_id" in params else None,
        uuid.UUID(params["year_id"]) if "year_id" in params else None,
    )
    return await progress_report(session, user, period)


async def _check(session: AsyncSession, user: User, params: dict[str, str]) -> BaseModel:
    return await quarter_check(session, user, uuid.UUID(params["period_id"]))


async def _control(session: AsyncSession, user: User, params: dict[str, str]) -> BaseModel:
    return await journal_control(session, user, params["month"])


async def _activity(session: AsyncSession, user: User, params: dict[str, str]) -> BaseModel:
    return await weekly_activity(session, user, date.fromisoformat(params["week"]))


KINDS: dict[str, Kind] = {
    "progress": Kind("Успеваемость и качество знаний", _progress, ReportReady),
    "quarter-check": Kind("Проверка журналов по итогам периода", _check, CheckCompleted),
    "journal-control": Kind("Контроль ведения классных журналов", _control, CheckCompleted),
    "activity": Kind("Активность пользователей", _activity, ReportReady),
}


def report_id(school_id: uuid.UUID, kind: str, params: dict[str, str]) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{school_id}:{kind}:{json.dumps(params, sort_keys=True)}")


async def administration(session: AsyncSession, school_id: uuid.UUID) -> list[uuid.UUID]:
    """The accounts a scheduled report goes to: the director and the deputies."""
    staff = await session.scalars(select(StaffRow).where(StaffRow.school_id == school_id))
    return sorted((s.account_id for s in staff if set(s.roles) & set(ADMINISTRATION)), key=str)


async def produce(
    session: AsyncSession, school_id: uuid.UUID, kind: str, params: dict[str, str]
) -> uuid.UUID | None:
    """Store the report's snapshot and stage its event, unless it was produced before;
    returns the new report's id (None: produced before, or nothing to report on)."""
    rid = report_id(school_id, kind, params)
    if await session.get(SnapshotRow, rid) is not None:
        return None
    spec = KINDS[kind]
    user = User(account_id=SCHEDULER, school_id=school_id, roles=frozenset(ADMINISTRATION))
    try:
        body = jsonable_encoder(await spec.build(session, user, params))
    except Problem:
        return None  # the period or year is not known (yet): a later run produces it
    title = spec.title
    if "period" in body:
        title = f"{title}: {period_title(body['period'])}"
    elif "month" in params:
        title = f"{title}: {params['month']}"
    elif "week" in params:
        title = f"{title}: неделя с {date.fromisoformat(params['week']).strftime('%d.%m.%Y')}"
    period_id = uuid.UUID(params["period_id"]) if "period_id" in params else None
    inserted = await session.scalar(
        insert(SnapshotRow)
        .values(
            report_id=rid, school_id=school_id, kind=kind, period_id=period_id, params=params,
            title=title, body=body,
        )
        .on_conflict_do_nothing()
        .returning(SnapshotRow.report_id)
    )  # fmt: skip
    if inserted is None:
        return None  # another scheduler stored it first
    await add_event(
        session,
        spec.event(
            school_id=school_id, report_id=rid, kind=kind, period_id=period_id,
            recipients=await administration(session, school_id), title=title,
        ),
    )  # fmt: skip
    return rid


async def on_period_closed(
    session: AsyncSession, school_id: uuid.UUID, period_id: uuid.UUID
) -> list[uuid.UUID]:
    """A closed period's progress and check, and the year's progress after its last period."""
    made = [
        await produce(session, school_id, "progress", {"period_id": str(period_id)}),
        await produce(session, school_id, "quarter-check", {"period_id": str(period_id)}),
    ]
    state = await session.get(PeriodStateRow, period_id)
    year = await session.get(YearRow, state.year_id) if state is not None else None
    if year is not None and year.periods:
        last = max(year.periods, key=lambda p: p["ends_on"])
        if last["period_id"] == str(period_id):
            made.append(
                await produce(session, school_id, "progress", {"year_id": str(year.year_id)})
            )
    return [m for m in made if m is not None]


def last_whole_week(today: date) -> date:
    return today - timedelta(days=today.weekday() + 7)


def last_whole_month(today: date) -> str:
    return (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


async def run_schedule(session: AsyncSession, today: date) -> list[uuid.UUID]:
    """Everything due on `today` in every school reporting knows; returns what was made."""
    made: list[uuid.UUID | None] = []
    for school in await session.scalars(select(SchoolRow)):
        sid = school.school_id
        made.append(await produce(session, sid, "activity", {"week": str(last_whole_week(today))}))
        made.append(
            await produce(session, sid, "journal-control", {"month": last_whole_month(today)})
        )
        closed = await session.scalars(
            select(PeriodStateRow.period_id).where(
                PeriodStateRow.school_id == sid, PeriodStateRow.closed.is_(True)
            )
        )
        for period_id in list(closed):
            made.extend(await on_period_closed(session, sid, period_id))
    return [m for m in made if m is not None]
