"""Use cases of the curriculum (учебный план): a year's weekly hours per subject for each
class level, kept by the deputy and the director, read by the school's staff."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from journal.access import ADMINISTRATION, TEACHING, require_role
from journal.base import add_unique
from journal.calendar.models import AcademicYear
from journal.curriculum import rules
from journal.curriculum.models import CurriculumHours, CurriculumLevel
from journal.curriculum.schemas import CurriculumIn
from journal.teaching.models import Subject
from journal.yearend.close import require_open_year
from shared.contracts.journal import CurriculumChanged, CurriculumSubjectHours
from shared.errors import Conflict, NotFound, Problem
from shared.outbox import add_event
from shared.security import User

STAFF_READERS = (*ADMINISTRATION, *TEACHING)


@dataclass(frozen=True)
class SubjectHours:
    subject_id: uuid.UUID
    subject_name: str
    weekly_hours: Decimal


@dataclass(frozen=True)
class LevelView:
    year_id: uuid.UUID
    grade: int
    version: int
    subjects: list[SubjectHours]


def stale_version(current: int) -> Problem:
    return Problem(
        409,
        "stale-version",
        "Conflict",
        f"It was changed meanwhile (now version {current}); read it again and retry.",
        current_version=current,
    )


async def year_in_school(
    session: AsyncSession, school_id: uuid.UUID, year_id: uuid.UUID
) -> AcademicYear:
    year = await session.get(AcademicYear, year_id)
    if year is None or year.school_id != school_id:
        raise NotFound("academic year")
    return year


async def _hours(
    session: AsyncSession, year_id: uuid.UUID, grade: int | None = None
) -> dict[int, list[SubjectHours]]:
    query = (
        select(CurriculumHours.grade, Subject.id, Subject.name, CurriculumHours.weekly_hours)
        .join(Subject, Subject.id == CurriculumHours.subject_id)
        .where(CurriculumHours.year_id == year_id)
        .order_by(CurriculumHours.grade, Subject.name)
    )
    if grade is not None:
        query = query.where(CurriculumHours.grade == grade)
    by_grade: dict[int, list[SubjectHours]] = {}
    for level, subject_id, name, weekly in (await session.execute(query)).all():
        by_grade.setdefault(level, []).append(SubjectHours(subject_id, name, weekly))
    return by_grade


async def subject_hours(
    session: AsyncSession, year_id: uuid.UUID, grade: int, subject_id: uuid.UUID
) -> Decimal | None:
    """The weekly hours of a subject at a level in a year, if the curriculum has them."""
    weekly: Decimal | None = await session.scalar(
        select(CurriculumHours.weekly_hours).where(
            CurriculumHours.year_id == year_id,
            CurriculumHours.grade == grade,
            CurriculumHours.subject_id == subject_id,
        )
    )
    return weekly


async def list_levels(session: AsyncSession, user: User, year_id: uuid.UUID) -> list[LevelView]:
    """Every class level of the year that has a curriculum, grade by grade."""
    require_role(user, *STAFF_READERS)
    year = await year_in_school(session, user.school_id, year_id)
    levels = await session.scalars(
        select(CurriculumLevel)
        .where(CurriculumLevel.year_id == year.id)
        .order_by(CurriculumLevel.grade)
    )
    hours = await _hours(session, year.id)
    return [LevelView(year.id, lv.grade, lv.version, hours.get(lv.grade, [])) for lv in levels]


async def get_level(session: AsyncSession, user: User, year_id: uuid.UUID, grade: int) -> LevelView:
    """One level's curriculum; version 0 and no subjects while it has none."""
    require_role(user, *STAFF_READERS)
    year = await year_in_school(session, user.school_id, year_id)
    level = await session.get(CurriculumLevel, (year.id, grade))
    hours = await _hours(session, year.id, grade)
    return LevelView(year.id, grade, level.version if level else 0, hours.get(grade, []))


async def _check_subjects(session: AsyncSession, school_id: uuid.UUID, data: CurriculumIn) -> None:
    ids = [s.subject_id for s in data.subjects]
    known = set(
        await session.scalars(
            select(Subject.id).where(Subject.school_id == school_id, Subject.id.in_(ids))
        )
    )
    errors: list[dict[str, object]] = []
    seen: set[uuid.UUID] = set()
    for index, subject_id in enumerate(ids):
        loc = ["body", "subjects", index, "subject_id"]
        if subject_id not in known:
            errors.append({"loc": loc, "msg": "No such subject in the school.", "type": "unknown"})
        elif subject_id in seen:
            errors.append({"loc": loc, "msg": "The subject is listed twice.", "type": "duplicate"})
        seen.add(subject_id)
    if errors:
        raise Problem(
            422,
            "validation-error",
            "Invalid request",
            "The curriculum names subjects it cannot hold; nothing was saved.",
            errors=errors,
        )


async def set_level(
    session: AsyncSession, user: User, year_id: uuid.UUID, grade: int, data: CurriculumIn
) -> LevelView:
    """Replace a level's subjects and weekly hours (deputy or director), if `data.version`
    is the one held; an unchanged curriculum changes nothing and publishes nothing."""
    require_role(user, *ADMINISTRATION)
    year = await year_in_school(session, user.school_id, year_id)
    await require_open_year(session, year)
    await _check_subjects(session, user.school_id, data)
    level = await session.scalar(
        select(CurriculumLevel)
        .where(CurriculumLevel.year_id == year.id, CurriculumLevel.grade == grade)
        .with_for_update()
    )
    current = level.version if level else 0
    if data.version != current:
        raise stale_version(current)
    held = {
        h.subject_id: h.weekly_hours for h in (await _hours(session, year.id, grade)).get(grade, [])
    }
    wanted = {s.subject_id: s.weekly_hours for s in data.subjects}
    if held == wanted:
        return await get_level(session, user, year.id, grade)

    if level is None:
        level = CurriculumLevel(
            year_id=year.id,
            grade=grade,
            school_id=user.school_id,
            version=1,
            updated_by=user.account_id,
        )
        # Two first saves at once: the second finds the first's row and is stale.
        await add_unique(session, level, Conflict("stale-version", "It was changed meanwhile."))
    else:
        level.version += 1
        level.updated_by = user.account_id
        level.updated_at = datetime.now(UTC)
    await session.execute(
        delete(CurriculumHours).where(
            CurriculumHours.year_id == year.id, CurriculumHours.grade == grade
        )
    )
    session.add_all(
        CurriculumHours(year_id=year.id, grade=grade, subject_id=s, weekly_hours=w)
        for s, w in wanted.items()
    )
    await session.flush()
    view = await get_level(session, user, year.id, grade)
    await add_event(
        session,
        CurriculumChanged(
            school_id=user.school_id,
            version=view.version,
            year_id=year.id,
            grade=grade,
            weeks=rules.weeks_in_year(grade),
            subjects=[
                CurriculumSubjectHours(
                    subject_id=s.subject_id,
                    weekly_hours=float(s.weekly_hours),
                    yearly_hours=float(rules.yearly_hours(s.weekly_hours, grade)),
                )
                for s in view.subjects
            ],
        ),
    )
    return view
