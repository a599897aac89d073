"""What every report needs: the period asked for, the school's grading settings, the
students' spells in classes, the marks' current weights."""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, func, outerjoin, select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.projections.tables import (
    AssignmentRow,
    ClassRow,
    GradingRow,
    MarkRow,
    StudentFactRow,
    WorkTypeRow,
    YearRow,
)
from reporting.rules import (
    DEFAULT_HALF_YEAR_GRADES,
    DEFAULT_LATE_ENTRY_DAYS,
    DEFAULT_MIN_MARKS,
    DEFAULT_RULE,
    DEFAULT_UNMARKED_GRADES,
)
from shared.errors import NotFound, Problem


class BadPeriod(Problem):
    def __init__(self, detail: str) -> None:
        super().__init__(422, "bad-period", "Bad period", detail)


@dataclass(frozen=True)
class Period:
    """A quarter or a half, or a whole year (`kind` "year", `period_id` None)."""

    period_id: uuid.UUID | None
    year_id: uuid.UUID
    year_name: str
    kind: str
    number: int
    starts_on: date
    ends_on: date

    def as_dict(self) -> dict[str, object]:
        return {
            "period_id": self.period_id,
            "year_id": self.year_id,
            "year_name": self.year_name,
            "kind": self.kind,
            "number": self.number,
            "starts_on": self.starts_on,
            "ends_on": self.ends_on,
        }


def _periods_of(year: YearRow) -> list[Period]:
    return [
        Period(
            period_id=uuid.UUID(p["period_id"]),
            year_id=year.year_id,
            year_name=year.name,
            kind=p["kind"],
            number=p["number"],
            starts_on=date.fromisoformat(p["starts_on"]),
            ends_on=date.fromisoformat(p["ends_on"]),
        )
        for p in year.periods
    ]


async def years_of(session: AsyncSession, school_id: uuid.UUID) -> list[YearRow]:
    return list(
        await session.scalars(
            select(YearRow).where(YearRow.school_id == school_id).order_by(YearRow.starts_on)
        )
    )


async def find_period(
    session: AsyncSession,
    school_id: uuid.UUID,
    period_id: uuid.UUID | None,
    year_id: uuid.UUID | None,
) -> Period:
    """The period asked for (`period_id`), or the whole year (`year_id`); 404 when the
    school has no such period or year, 422 when neither or both are given."""
    if (period_id is None) == (year_id is None):
        raise BadPeriod("Give either period_id (a quarter or a half) or year_id (the year).")
    for year in await years_of(session, school_id):
        if year_id is not None and year.year_id == year_id:
            return Period(None, year.year_id, year.name, "year", 0, year.starts_on, year.ends_on)
        for period in _periods_of(year):
            if period.period_id == period_id:
                return period
    raise NotFound("period" if period_id is not None else "year")


async def periods_of_school(session: AsyncSession, school_id: uuid.UUID) -> list[Period]:
    return [p for year in await years_of(session, school_id) for p in _periods_of(year)]


def month_period(month: str) -> tuple[date, date]:
    """The first and last day of a month given as YYYY-MM (422 otherwise)."""
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise BadPeriod("month is YYYY-MM, e.g. 2026-11.") from None
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return first, last


@dataclass(frozen=True)
class Grading:
    rounding_rule: str
    min_marks: int
    late_entry_days: int
    half_year_grades: frozenset[int] = frozenset(DEFAULT_HALF_YEAR_GRADES)
    unmarked_grades: frozenset[int] = frozenset(DEFAULT_UNMARKED_GRADES)

    def period_kind(self, grade: int | None) -> str:
        """Quarters or halves for a class level (journal's pages are by this kind)."""
        return "half" if grade in self.half_year_grades else "quarter"

    def marks_given(self, grade: int | None) -> bool:
        """Whether a class of this level is given marks (a class of unknown level is)."""
        return grade not in self.unmarked_grades


async def grading_of(session: AsyncSession, school_id: uuid.UUID) -> Grading:
    """The school's grading settings, or journal's defaults before any was heard of."""
    row = await session.get(GradingRow, school_id)
    if row is None:
        return Grading(DEFAULT_RULE, DEFAULT_MIN_MARKS, DEFAULT_LATE_ENTRY_DAYS)
    return Grading(
        row.rounding_rule,
        row.min_marks_per_period,
        row.late_entry_days,
        frozenset(row.half_year_grades or ()),
        frozenset(row.unmarked_grades or ()),
    )


def journal_period(periods: Sequence[Period], kind: str, first: date, last: date) -> Period | None:
    """The period of `kind` whose journal page shows most of the days [first, last] (the
    later one on a tie): where a finding about those days is looked at. None when no
    period of that kind meets them."""
    best: tuple[int, date] | None = None
    found: Period | None = None
    for period in periods:
        if period.kind != kind:
            continue
        shared = (min(last, period.ends_on) - max(first, period.starts_on)).days + 1
        if shared > 0 and (best is None or (shared, period.starts_on) > best):
            best, found = (shared, period.starts_on), period
    return found


# --- enrollment --------------------------------------------------------------------------


@dataclass(frozen=True)
class Spell:
    """A student's time in one class; None ends: open (or unknown for an undated start)."""

    student_id: uuid.UUID
    class_id: uuid.UUID
    starts_on: date | None
    ends_on: date | None

    def covers(self, day: date) -> bool:
        return (self.starts_on is None or self.starts_on <= day) and (
            self.ends_on is None or day <= self.ends_on
        )

    def meets(self, first: date, last: date) -> bool:
        return (self.starts_on is None or self.starts_on <= last) and (
            self.ends_on is None or first <= self.ends_on
        )


def spells_of(facts: Iterable[StudentFactRow]) -> list[Spell]:
    """The spells of students in classes, from their enrollment facts in version order (a
    transfer closes the old class the day before it and opens the new one; an enrollment
    opens a class; leaving closes it on the last day)."""
    by_student: dict[uuid.UUID, list[StudentFactRow]] = {}
    for fact in facts:
        by_student.setdefault(fact.student_id, []).append(fact)
    spells: list[Spell] = []
    for student_id, own in by_student.items():
        # A dated enrollment and the undated one of the same version are one fact.
        dated = {f.version for f in own if f.kind != "enrolled_undated"}
        ordered = sorted(
            (f for f in own if f.kind != "enrolled_undated" or f.version not in dated),
            key=lambda f: (f.version, f.kind != "transferred"),
        )
        open_class: uuid.UUID | None = None
        open_since: date | None = None
        for fact in ordered:
            if fact.kind in ("enrolled", "enrolled_undated"):
                if open_class == fact.class_id:
                    continue  # the new class of a transfer, opened by the transfer already
                if open_class is not None:
                    spells.append(Spell(student_id, open_class, open_since, _day_before(fact.on)))
                open_class, open_since = fact.class_id, fact.on
            elif fact.kind == "transferred":
                if open_class is not None:
                    spells.append(Spell(student_id, open_class, open_since, _day_before(fact.on)))
                open_class, open_since = fact.class_id, fact.on
            elif fact.kind == "left":
                if open_class is not None:
                    spells.append(Spell(student_id, open_class, open_since, fact.on))
                open_class, open_since = None, None
        if open_class is not None:
            spells.append(Spell(student_id, open_class, open_since, None))
    return spells


def _day_before(day: date | None) -> date | None:
    return None if day is None else day - timedelta(days=1)


async def spells_in_school(session: AsyncSession, school_id: uuid.UUID) -> list[Spell]:
    facts = await session.scalars(
        select(StudentFactRow).where(StudentFactRow.school_id == school_id)
    )
    return spells_of(facts)


async def spells_of_student(session: AsyncSession, student_id: uuid.UUID) -> list[Spell]:
    facts = await session.scalars(
        select(StudentFactRow).where(StudentFactRow.student_id == student_id)
    )
    return spells_of(facts)


def class_on(spells: Sequence[Spell], student_id: uuid.UUID, day: date) -> uuid.UUID | None:
    for spell in spells:
        if spell.student_id == student_id and spell.covers(day):
            return spell.class_id
    return None


# --- marks -------------------------------------------------------------------------------

# A mark weighs what its work type weighs now; the weight at posting only while reporting
# has not heard of the work type.
CURRENT_WEIGHT: ColumnElement[int] = func.coalesce(WorkTypeRow.weight, MarkRow.weight)
MARKS_AND_WEIGHTS = outerjoin(
    MarkRow,
    WorkTypeRow,
    and_(WorkTypeRow.school_id == MarkRow.school_id, WorkTypeRow.code == MarkRow.work_type),
)


def marks_between(school_id: uuid.UUID, first: date, last: date):  # type: ignore[no-untyped-def]
    """(student, subject, class, value, current weight, work type, lesson, date) of the
    school's current marks dated in [first, last]."""
    return (
        select(
            MarkRow.student_id,
            MarkRow.subject_id,
            MarkRow.class_id,
            MarkRow.value,
            CURRENT_WEIGHT.label("weight"),
            MarkRow.work_type,
            MarkRow.lesson_id,
            MarkRow.lesson_date,
        )
        .select_from(MARKS_AND_WEIGHTS)
        .where(
            MarkRow.school_id == school_id,
            MarkRow.deleted.is_(False),
            MarkRow.lesson_date.between(first, last),
        )
    )


# --- names -------------------------------------------------------------------------------


async def classes_of(session: AsyncSession, school_id: uuid.UUID) -> dict[uuid.UUID, ClassRow]:
    rows = await session.scalars(select(ClassRow).where(ClassRow.school_id == school_id))
    return {row.class_id: row for row in rows}


async def subject_names(session: AsyncSession, school_id: uuid.UUID) -> dict[uuid.UUID, str]:
    rows = await session.execute(
        select(AssignmentRow.subject_id, AssignmentRow.subject_name).where(
            AssignmentRow.school_id == school_id
        )
    )
    return {subject_id: name for subject_id, name in rows if name is not None}
