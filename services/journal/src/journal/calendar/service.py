"""Use cases of the school calendar: opening and changing years, reading them, closing
and reopening periods, and the lookups later features use (`period_for`, `holiday_on`).
The guard dated writes call lives in `journal.calendar.closing`."""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from journal import clock
from journal.access import ADMINISTRATION, CALENDAR_READERS, require_role
from journal.calendar import closing, rules
from journal.calendar.models import AcademicYear, Holiday, Period, PeriodClosing
from journal.calendar.schemas import PeriodClosingIn, YearIn
from journal.corrections import stale
from journal.finals.models import FinalMark
from journal.grading.service import settings_of
from journal.school.models import School
from journal.yearend.close import require_year_open
from shared.contracts.journal import (
    PeriodClosed,
    PeriodKind,
    PeriodReopened,
    YearCalendarChanged,
    YearHoliday,
    YearPeriod,
)
from shared.errors import Conflict, NotFound, Problem
from shared.outbox import add_event
from shared.security import User

KIND_ORDER: dict[str, int] = {"quarter": 0, "half": 1}
# DESIGN §2: the deputy closes and unlocks periods; the director reads.
CLOSERS = ("deputy",)
CLOSING_READERS = ADMINISTRATION


@dataclass(frozen=True)
class YearView:
    year: AcademicYear
    periods: list[Period]
    holidays: list[Holiday]


def _calendar(data: YearIn) -> rules.Calendar:
    return rules.Calendar(
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        periods=[rules.PeriodDates(p.kind, p.number, p.starts_on, p.ends_on) for p in data.periods],
        holidays=[
            rules.HolidayDates(h.name, h.starts_on, h.ends_on or h.starts_on) for h in data.holidays
        ],
    )


def _require_consistent(calendar: rules.Calendar) -> None:
    errors = rules.calendar_errors(calendar)
    if errors:
        raise Problem(
            422,
            "validation-error",
            "Invalid request",
            "The year's calendar is inconsistent; nothing was saved.",
            errors=[e.as_dict() for e in errors],
        )


async def _locked_school(session: AsyncSession, school_id: uuid.UUID) -> School:
    """The caller's school, locked: calendar changes of one school happen one at a time,
    so two overlapping years cannot be saved side by side."""
    school = await session.scalar(select(School).where(School.id == school_id).with_for_update())
    if school is None:
        raise NotFound("school")
    return school


async def _refuse_overlap(
    session: AsyncSession, school_id: uuid.UUID, calendar: rules.Calendar, own: uuid.UUID | None
) -> None:
    query = select(AcademicYear).where(
        AcademicYear.school_id == school_id,
        AcademicYear.starts_on <= calendar.ends_on,
        AcademicYear.ends_on >= calendar.starts_on,
    )
    if own is not None:
        query = query.where(AcademicYear.id != own)
    other = await session.scalar(query.limit(1))
    if other is not None:
        raise Problem(
            409,
            "years-overlap",
            "Conflict",
            f"The school's year {other.name} ({other.starts_on} – {other.ends_on}) "
            "overlaps these dates.",
            year_id=str(other.id),
        )


async def _view(session: AsyncSession, year: AcademicYear) -> YearView:
    periods = list(await session.scalars(select(Period).where(Period.year_id == year.id)))
    periods.sort(key=lambda p: (KIND_ORDER[p.kind], p.number))
    holidays = list(
        await session.scalars(
            select(Holiday).where(Holiday.year_id == year.id).order_by(Holiday.starts_on)
        )
    )
    return YearView(year, periods, holidays)


def _snapshot(view: YearView) -> rules.Calendar:
    return rules.Calendar(
        starts_on=view.year.starts_on,
        ends_on=view.year.ends_on,
        periods=[
            rules.PeriodDates(p.kind, p.number, p.starts_on, p.ends_on)  # type: ignore[arg-type]
            for p in view.periods
        ],
        holidays=[rules.HolidayDates(h.name, h.starts_on, h.ends_on) for h in view.holidays],
    )


def _canonical(calendar: rules.Calendar) -> tuple[object, ...]:
    return (
        calendar.starts_on,
        calendar.ends_on,
        sorted((KIND_ORDER[p.kind], p.number, p.starts_on, p.ends_on) for p in calendar.periods),
        sorted((h.starts_on, h.ends_on, h.name) for h in calendar.holidays),
    )


async def _publish(session: AsyncSession, view: YearView) -> None:
    year = view.year
    await add_event(
        session,
        YearCalendarChanged(
            school_id=year.school_id,
            version=year.version,
            year_id=year.id,
            name=year.name,
            starts_on=year.starts_on,
            ends_on=year.ends_on,
            periods=[
                YearPeriod(
                    period_id=p.id,
                    kind=p.kind,
                    number=p.number,
                    starts_on=p.starts_on,
                    ends_on=p.ends_on,
                )
                for p in view.periods
            ],
            holidays=[
                YearHoliday(name=h.name, starts_on=h.starts_on, ends_on=h.ends_on)
                for h in view.holidays
            ],
        ),
    )


def _holidays(year: AcademicYear, calendar: rules.Calendar) -> list[Holiday]:
    return [
        Holiday(
            id=uuid.uuid4(),
            school_id=year.school_id,
            year_id=year.id,
            name=h.name,
            starts_on=h.starts_on,
            ends_on=h.ends_on,
        )
        for h in calendar.holidays
    ]


async def open_year(session: AsyncSession, user: User, data: YearIn) -> YearView:
    """Open an academic year with its periods and holidays (deputy or director)."""
    require_role(user, *ADMINISTRATION)
    calendar = _calendar(data)
    _require_consistent(calendar)
    await _locked_school(session, user.school_id)
    await _refuse_overlap(session, user.school_id, calendar, own=None)
    year = AcademicYear(
        id=uuid.uuid4(),
        school_id=user.school_id,
        name=rules.year_name(calendar.starts_on, calendar.ends_on),
        starts_on=calendar.starts_on,
        ends_on=calendar.ends_on,
        version=1,
    )
    session.add(year)
    await session.flush()
    session.add_all(
        Period(
            id=uuid.uuid4(),
            school_id=user.school_id,
            year_id=year.id,
            kind=p.kind,
            number=p.number,
            starts_on=p.starts_on,
            ends_on=p.ends_on,
        )
        for p in calendar.periods
    )
    session.add_all(_holidays(year, calendar))
    await session.flush()
    view = await _view(session, year)
    await _publish(session, view)
    return view


async def _year_in_school(
    session: AsyncSession, school_id: uuid.UUID, year_id: uuid.UUID, *, lock: bool = False
) -> AcademicYear:
    query = select(AcademicYear).where(
        AcademicYear.id == year_id, AcademicYear.school_id == school_id
    )
    year = await session.scalar(query.with_for_update() if lock else query)
    if year is None:
        raise NotFound("academic year")
    return year


async def _refuse_dropping_graded(session: AsyncSession, periods: list[Period]) -> None:
    """409 when a period the new calendar leaves out holds final marks (removed ones too:
    their history refers to the period)."""
    if not periods:
        return
    graded = await session.scalar(
        select(FinalMark.period_id).where(FinalMark.period_id.in_([p.id for p in periods])).limit(1)
    )
    if graded is not None:
        [period] = [p for p in periods if p.id == graded]
        raise Conflict(
            "period-has-final-marks",
            f"The {period.kind} {period.number} holds final marks; it stays in the calendar.",
        )


async def change_year(
    session: AsyncSession, user: User, year_id: uuid.UUID, data: YearIn
) -> YearView:
    """Replace a year's dates, periods and holidays (deputy or director). Periods keep their
    ids by kind and number; an unchanged calendar changes nothing and publishes nothing."""
    require_role(user, *ADMINISTRATION)
    calendar = _calendar(data)
    year = await _year_in_school(session, user.school_id, year_id, lock=True)
    require_year_open(year, "его календарь не меняется")
    _require_consistent(calendar)
    await _locked_school(session, user.school_id)
    await _refuse_overlap(session, user.school_id, calendar, own=year.id)
    current = await _view(session, year)
    if _canonical(_snapshot(current)) == _canonical(calendar):
        return current
    _refuse_closed_changes(year, current, calendar)

    year.starts_on, year.ends_on = calendar.starts_on, calendar.ends_on
    year.name = rules.year_name(calendar.starts_on, calendar.ends_on)
    year.version += 1
    year.updated_at = datetime.now(UTC)
    existing = {(p.kind, p.number): p for p in current.periods}
    wanted = {(p.kind, p.number): p for p in calendar.periods}
    dropped = [period for key, period in existing.items() if key not in wanted]
    await _refuse_dropping_graded(session, dropped)
    for period in dropped:
        await session.delete(period)
    for key, dates in wanted.items():
        if key in existing:
            existing[key].starts_on, existing[key].ends_on = dates.starts_on, dates.ends_on
        else:
            session.add(
                Period(
                    id=uuid.uuid4(),
                    school_id=year.school_id,
                    year_id=year.id,
                    kind=dates.kind,
                    number=dates.number,
                    starts_on=dates.starts_on,
                    ends_on=dates.ends_on,
                )
            )
    await session.execute(delete(Holiday).where(Holiday.year_id == year.id))
    session.add_all(_holidays(year, calendar))
    await session.flush()
    view = await _view(session, year)
    await _publish(session, view)
    return view


def _refuse_closed_changes(year: AcademicYear, current: YearView, calendar: rules.Calendar) -> None:
    """409 `period-closed` for a calendar change that would move or remove a closed period
    (a closed year is refused before, `year-closed`): what was closed stays as closed."""
    wanted: dict[tuple[str, int], rules.PeriodDates] = {
        (p.kind, p.number): p for p in calendar.periods
    }
    for period in current.periods:
        if period.closed_at is None:
            continue
        dates = wanted.get((period.kind, period.number))
        label = closing.period_label(period.kind, period.number)
        if dates is None:
            detail = f"Период «{label}» закрыт: его нельзя убрать из календаря."
        elif (dates.starts_on, dates.ends_on) != (period.starts_on, period.ends_on):
            detail = f"Период «{label}» закрыт: его даты не меняются."
        else:
            continue
        raise Problem(
            409,
            "period-closed",
            "Период закрыт",
            detail + " Сначала откройте его.",
            period_id=str(period.id),
            kind=period.kind,
            number=period.number,
        )


async def list_years(session: AsyncSession, user: User) -> list[YearView]:
    """The school's years, newest first, each with its periods and holidays."""
    require_role(user, *CALENDAR_READERS)
    years = await session.scalars(
        select(AcademicYear)
        .where(AcademicYear.school_id == user.school_id)
        .order_by(AcademicYear.starts_on.desc())
    )
    return [await _view(session, year) for year in years]


async def get_year(session: AsyncSession, user: User, year_id: uuid.UUID) -> YearView:
    require_role(user, *CALENDAR_READERS)
    return await _view(session, await _year_in_school(session, user.school_id, year_id))


async def school_today(session: AsyncSession, school_id: uuid.UUID) -> date:
    """Today in the school's time zone (UTC for a school journal has not heard of)."""
    timezone = await session.scalar(select(School.timezone).where(School.id == school_id))
    return clock.today_in(timezone)


async def current_year(session: AsyncSession, user: User, today: date | None = None) -> YearView:
    """The year holding today in the school's time zone; between years (the summer), the
    next one, once opened. NotFound when there is neither."""
    require_role(user, *CALENDAR_READERS)
    day = today or await school_today(session, user.school_id)
    year = await session.scalar(
        select(AcademicYear)
        .where(AcademicYear.school_id == user.school_id, AcademicYear.ends_on >= day)
        .order_by(AcademicYear.starts_on)
        .limit(1)
    )
    if year is None:
        raise NotFound("current academic year")
    return await _view(session, year)


async def period_for(
    session: AsyncSession, school_id: uuid.UUID, grade: int, day: date
) -> Period | None:
    """The period (quarter or half, by the school's setting for the class level) holding
    `day`; None when no year of the school defines one for that day."""
    settings = await settings_of(session, school_id)
    kind: PeriodKind = rules.period_kind_for(grade, settings.half_year_grades)
    return await session.scalar(
        select(Period).where(
            Period.school_id == school_id,
            Period.kind == kind,
            Period.starts_on <= day,
            Period.ends_on >= day,
        )
    )


async def holiday_on(session: AsyncSession, school_id: uuid.UUID, day: date) -> Holiday | None:
    """The school's holiday or day off on `day`, if any (lessons are not held then)."""
    return await session.scalar(
        select(Holiday)
        .where(Holiday.school_id == school_id, Holiday.starts_on <= day, Holiday.ends_on >= day)
        .limit(1)
    )


# --- closing periods ----------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodState:
    period: Period
    year: AcademicYear


def _period_current(period: Period) -> dict[str, object]:
    """The period's closing state as a 409 `stale-version` shows it (JSON-ready)."""
    return {
        "period_id": str(period.id),
        "closed": period.closed_at is not None,
        "version": period.version,
    }


async def _period_in_school(
    session: AsyncSession, school_id: uuid.UUID, period_id: uuid.UUID
) -> PeriodState:
    found = (
        await session.execute(
            select(Period, AcademicYear)
            .join(AcademicYear, AcademicYear.id == Period.year_id)
            .where(Period.id == period_id, Period.school_id == school_id)
            .with_for_update(of=Period)
        )
    ).first()
    if found is None:
        raise NotFound("period")
    return PeriodState(found[0], found[1])


def _require_version(period: Period, version: int | None) -> None:
    if version is not None and version != period.version:
        raise stale("period", _period_current(period))


def _record(
    period: Period, user: User, action: str, now: datetime, reason: str | None
) -> PeriodClosing:
    return PeriodClosing(
        id=uuid.uuid4(),
        school_id=period.school_id,
        period_id=period.id,
        version=period.version,
        action=action,
        changed_by=user.account_id,
        changed_at=now,
        reason=reason,
    )


async def close_period(
    session: AsyncSession, user: User, period_id: uuid.UUID, data: PeriodClosingIn
) -> PeriodState:
    """Close a period (the deputy): from the commit on, every dated change inside it is
    refused (journal.calendar.closing). Closing a closed period changes nothing. Final
    marks are not required: the quarter-end check reports what is missing."""
    require_role(user, *CLOSERS)
    # First the writes: in-flight ones commit before the period closes, new ones wait and
    # then see it closed. Then the school's calendar lock, as PUT /years takes it, so a
    # calendar edit never moves a period while it closes.
    await closing.hold_writes(session, user.school_id)
    await _locked_school(session, user.school_id)
    state = await _period_in_school(session, user.school_id, period_id)
    period = state.period
    _require_version(period, data.version)
    if period.closed_at is not None:
        return state
    now = datetime.now(UTC)
    period.closed_at, period.closed_by = now, user.account_id
    period.version += 1
    session.add(_record(period, user, "closed", now, data.reason))
    await session.flush()
    await add_event(
        session,
        PeriodClosed(
            **_period_event_fields(period, now),
            closed_by=user.account_id,
            closed_at=now,
        ),
    )
    return state


def _period_event_fields(period: Period, now: datetime) -> dict[str, Any]:
    """What `PeriodClosed` and `PeriodReopened` both say of the period."""
    return {
        "school_id": period.school_id,
        "version": period.version,
        "occurred_at": now,
        "period_id": period.id,
        "year_id": period.year_id,
        "kind": period.kind,
        "number": period.number,
        "starts_on": period.starts_on,
        "ends_on": period.ends_on,
    }


async def reopen_period(
    session: AsyncSession, user: User, period_id: uuid.UUID, data: PeriodClosingIn
) -> PeriodState:
    """Reopen a closed period (the deputy); refused (409 `year-closed`) while its year is
    closed. Reopening an open period changes nothing."""
    require_role(user, *CLOSERS)
    await _locked_school(session, user.school_id)
    state = await _period_in_school(session, user.school_id, period_id)
    period, year = state.period, state.year
    _require_version(period, data.version)
    if year.closed_at is not None:
        raise Problem(
            409,
            "year-closed",
            "Учебный год закрыт",
            f"Учебный год {year.name} закрыт: его периоды не открываются.",
            year_id=str(year.id),
        )
    if period.closed_at is None:
        return state
    now = datetime.now(UTC)
    period.closed_at, period.closed_by = None, None
    period.version += 1
    session.add(_record(period, user, "reopened", now, data.reason))
    await session.flush()
    await add_event(
        session,
        PeriodReopened(
            **_period_event_fields(period, now),
            reopened_by=user.account_id,
            reopened_at=now,
        ),
    )
    return state


async def period_history(
    session: AsyncSession, user: User, period_id: uuid.UUID
) -> tuple[Period, list[PeriodClosing]]:
    """Every closing and reopening of a period, oldest first (deputy, director)."""
    require_role(user, *CLOSING_READERS)
    period = await session.scalar(
        select(Period).where(Period.id == period_id, Period.school_id == user.school_id)
    )
    if period is None:
        raise NotFound("period")
    changes = await session.scalars(
        select(PeriodClosing)
        .where(PeriodClosing.period_id == period_id)
        .order_by(PeriodClosing.version)
    )
    return period, list(changes)
