"""Closing an academic year, and the guard that keeps a closed year read-only.

A year closes once every one of its periods is closed (the deputy closes periods as the
quarters end). Closing stamps `closed_at`/`closed_by`, computes the manifest of what the
year holds by running its export, and publishes `journal.year.closed.v1` with it.
"""

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from journal.access import ADMINISTRATION, require_role
from journal.calendar.closing import period_label
from journal.calendar.models import AcademicYear, Period
from journal.yearend.export import compute_manifest
from shared.contracts.journal import YearClosed, YearManifest
from shared.errors import NotFound, Problem
from shared.outbox import add_event
from shared.security import User

KIND_ORDER = {"quarter": 0, "half": 1}


class YearIsClosed(Problem):
    """409 `year-closed`: the change would touch a closed year."""

    def __init__(self, year: AcademicYear, consequence: str = "изменения не принимаются") -> None:
        super().__init__(
            409,
            "year-closed",
            "Учебный год закрыт",
            f"Учебный год {year.name} закрыт: {consequence}.",
            year_id=str(year.id),
        )


@dataclass(frozen=True)
class ClosedYear:
    year: AcademicYear
    manifest: YearManifest


def require_year_open(year: AcademicYear, consequence: str = "изменения не принимаются") -> None:
    """409 `year-closed` if the year is closed (for writes to one year's data: its
    calendar, curriculum, thematic plans). Lock the year's row first (`FOR UPDATE` or
    `FOR SHARE`) so that a closing at the same moment waits or is waited for."""
    if year.closed_at is not None:
        raise YearIsClosed(year, consequence)


async def require_open_year(session: AsyncSession, year: AcademicYear) -> None:
    """`require_year_open` on the year's row read `FOR SHARE` (a closing at the same
    moment waits for this change, or this change sees the year closed)."""
    closed_at = await session.scalar(
        select(AcademicYear.closed_at).where(AcademicYear.id == year.id).with_for_update(read=True)
    )
    if closed_at is not None:
        raise YearIsClosed(year)


async def refuse_closed_days(
    session: AsyncSession,
    school_id: uuid.UUID,
    first_day: dt.date,
    last_day: dt.date | None = None,
) -> None:
    """409 `year-closed` if a closed year of the school overlaps the days from `first_day`
    to `last_day` (None: onwards, for what stays open-ended, like a new enrollment, or a
    current one being ended). For dated roster changes and remarks. The years' rows are
    read `FOR SHARE`, so a closing waits for this change or this change for it."""
    overlapping = select(AcademicYear).where(
        AcademicYear.school_id == school_id, AcademicYear.ends_on >= first_day
    )
    if last_day is not None:
        overlapping = overlapping.where(AcademicYear.starts_on <= last_day)
    years = await session.scalars(
        overlapping.order_by(AcademicYear.starts_on).with_for_update(read=True)
    )
    for year in years:
        require_year_open(year)


async def close_year(session: AsyncSession, user: User, year_id: uuid.UUID) -> ClosedYear:
    """Close a year whose periods are all closed (deputy or director)."""
    require_role(user, *ADMINISTRATION)
    year = await session.scalar(
        select(AcademicYear)
        .where(AcademicYear.id == year_id, AcademicYear.school_id == user.school_id)
        .with_for_update()
    )
    if year is None:
        raise NotFound("academic year")
    require_year_open(year, "он уже закрыт")
    open_periods = sorted(
        await session.scalars(
            select(Period).where(Period.year_id == year.id, Period.closed_at.is_(None))
        ),
        key=lambda p: (KIND_ORDER.get(p.kind, 9), p.number),
    )
    if open_periods:
        names = ", ".join(period_label(p.kind, p.number) for p in open_periods)
        raise Problem(
            409,
            "periods-open",
            "Не все периоды закрыты",
            f"Сначала закройте все периоды года; открыты: {names}.",
            open_periods=[
                {
                    "period_id": str(p.id),
                    "kind": p.kind,
                    "number": p.number,
                    "starts_on": p.starts_on.isoformat(),
                    "ends_on": p.ends_on.isoformat(),
                }
                for p in open_periods
            ],
        )
    # The transaction's own time: the roster's history is stamped the same way, and the
    # export shows students' details as they were at this moment.
    closed_at = (await session.execute(select(func.now()))).scalar_one()
    year.closed_at, year.closed_by = closed_at, user.account_id
    year.version += 1
    year.updated_at = closed_at
    await session.flush()
    manifest = await compute_manifest(session, year)
    await add_event(
        session,
        YearClosed(
            school_id=year.school_id,
            version=year.version,
            year_id=year.id,
            name=year.name,
            starts_on=year.starts_on,
            ends_on=year.ends_on,
            closed_at=closed_at,
            closed_by=user.account_id,
            manifest=manifest,
        ),
    )
    return ClosedYear(year=year, manifest=manifest)


async def exportable_year(session: AsyncSession, year_id: uuid.UUID) -> AcademicYear:
    """The year to export (any school's: the archive serves the district): 404 unknown,
    409 `year-not-closed` while it is open."""
    year = await session.get(AcademicYear, year_id)
    if year is None:
        raise NotFound("academic year")
    if year.closed_at is None:
        raise Problem(
            409,
            "year-not-closed",
            "Учебный год не закрыт",
            f"Учебный год {year.name} не закрыт: выгружается только закрытый год.",
        )
    return year
