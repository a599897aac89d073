"""Progress and quality of learning for a period or the year (DESIGN.md §7): per class and
subject, rolled up to the class, the parallel (grade), the school and the district.

Roll-ups add up the counts of the groups under them and compute the indicators from the
sums (the "by marks" method: a student counts once per subject). A class taught without
marks (the school's `unmarked_grades`, the first grade by default) is listed with
`marks_given` false and no counts, and is left out of the parallel, the school and the
district."""

import uuid
from collections.abc import Iterable
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.access import outside_reach, reach_of, require_inspector, school_class
from reporting.formats.documents import FILE_RESPONSES, FileFormat, as_format
from reporting.projections.tables import SchoolRow
from reporting.reports.context import (
    BadPeriod,
    Period,
    classes_of,
    find_period,
    grading_of,
    subject_names,
    years_of,
)
from reporting.reports.results import Group, StudentSubject, results_by_group
from reporting.rules import Counts, Indicators, count_results, indicators
from shared.errors import NotFound
from shared.openapi import problems
from shared.security import CurrentUser, User
from shared.web import Session

router = APIRouter(tags=["progress"])


class IndicatorsOut(BaseModel):
    n5: int
    n4: int
    n3: int
    n2: int
    n_na: int
    n_exempt: int
    n_passed: int
    students_counted: int
    progress_rate: float | None
    quality_rate: float | None
    learning_degree: float | None
    mean_mark: float | None


class PeriodOut(BaseModel):
    period_id: uuid.UUID | None
    year_id: uuid.UUID
    year_name: str
    kind: str
    number: int
    starts_on: str
    ends_on: str


class GroupOut(IndicatorsOut):
    class_id: uuid.UUID
    class_name: str | None
    grade: int | None
    subject_id: uuid.UUID
    subject_name: str | None
    from_finals: int
    marks_given: bool = Field(description="False: taught without marks, no counts, in no roll-up.")


class ClassOut(IndicatorsOut):
    class_id: uuid.UUID
    class_name: str | None
    grade: int | None
    marks_given: bool = Field(description="False: taught without marks, no counts, in no roll-up.")


class ParallelOut(IndicatorsOut):
    grade: int


class SchoolOut(IndicatorsOut):
    school_id: uuid.UUID
    school_name: str | None = None


class ProgressOut(BaseModel):
    """`groups`: what the caller may see; `classes`: only classes seen whole; `parallels`
    and `school`: only for the administration."""

    period: PeriodOut
    groups: list[GroupOut]
    classes: list[ClassOut]
    parallels: list[ParallelOut]
    school: SchoolOut | None
    unmarked_grades: list[int] = Field(
        description="The class levels taught without marks: left out of the figures."
    )


class DistrictOut(BaseModel):
    """The district's aggregates: per school and per parallel, no names of people (classes
    a school teaches without marks left out)."""

    year_name: str
    kind: str
    number: int
    schools: list[SchoolOut]
    parallels: list[ParallelOut]
    district: IndicatorsOut


def period_out(period: Period) -> PeriodOut:
    data = period.as_dict()
    return PeriodOut.model_validate(
        {**data, "starts_on": str(period.starts_on), "ends_on": str(period.ends_on)}
    )


def counts_of(results: Iterable[StudentSubject]) -> Counts:
    return count_results(r.result.result for r in results)


def _fields(values: Indicators) -> dict[str, Any]:
    return asdict(values)


async def progress_report(
    session: AsyncSession,
    user: User,
    period: Period,
    class_id: uuid.UUID | None = None,
    grade: int | None = None,
    subject_id: uuid.UUID | None = None,
) -> ProgressOut:
    reach = await reach_of(session, user)
    if class_id is not None:
        await school_class(session, user, class_id)
        if not reach.sees_class(class_id) and not any(c == class_id for c, _ in reach.taught):
            raise outside_reach("class")
    grading = await grading_of(session, user.school_id)
    classes = await classes_of(session, user.school_id)
    names = await subject_names(session, user.school_id)
    wanted = [class_id] if class_id is not None else None
    groups = await results_by_group(session, user.school_id, period, grading, wanted)

    def shown(group: Group) -> bool:
        klass, subject = group
        if subject_id is not None and subject != subject_id:
            return False
        if grade is not None and (klass not in classes or classes[klass].grade != grade):
            return False
        return reach.sees_group(klass, subject)

    visible = {g: r for g, r in groups.items() if shown(g)}

    def marks_given(klass: uuid.UUID) -> bool:
        return grading.marks_given(classes[klass].grade if klass in classes else None)

    by_class: dict[uuid.UUID, Counts] = {}
    by_grade: dict[int, Counts] = {}
    school = Counts()
    for (klass, _), results in visible.items():
        if not marks_given(klass):
            if reach.sees_class(klass):
                by_class.setdefault(klass, Counts())
            continue
        counts = counts_of(results)
        if reach.sees_class(klass):
            by_class[klass] = by_class.get(klass, Counts()) + counts
        if reach.whole_school:
            level = classes[klass].grade if klass in classes else 0
            by_grade[level] = by_grade.get(level, Counts()) + counts
            school += counts

    def class_fields(klass: uuid.UUID) -> dict[str, Any]:
        row = classes.get(klass)
        return {
            "class_id": klass,
            "class_name": row.name if row else None,
            "grade": row.grade if row else None,
        }

    def group_order(item: tuple[Group, list[StudentSubject]]) -> tuple[Any, ...]:
        (klass, subject), _ = item
        row = classes.get(klass)
        return (
            row.grade if row else 0,
            row.name if row else "",
            names.get(subject, ""),
            str(subject),
        )

    return ProgressOut(
        period=period_out(period),
        groups=[
            GroupOut(
                **class_fields(klass),
                subject_id=subject,
                subject_name=names.get(subject),
                from_finals=sum(1 for r in results if r.result.from_final)
                if marks_given(klass)
                else 0,
                **_fields(indicators(counts_of(results) if marks_given(klass) else Counts())),
                marks_given=marks_given(klass),
            )
            for (klass, subject), results in sorted(visible.items(), key=group_order)
        ],
        classes=[
            ClassOut(
                **class_fields(klass),
                **_fields(indicators(counts)),
                marks_given=marks_given(klass),
            )
            for klass, counts in sorted(
                by_class.items(),
                key=lambda kv: (
                    classes[kv[0]].grade if kv[0] in classes else 0,
                    classes[kv[0]].name if kv[0] in classes else str(kv[0]),
                ),
            )
        ],
        parallels=[
            ParallelOut(grade=level, **_fields(indicators(counts)))
            for level, counts in sorted(by_grade.items())
        ],
        school=(
            SchoolOut(school_id=user.school_id, **_fields(indicators(school)))
            if reach.whole_school
            else None
        ),
        unmarked_grades=sorted(grading.unmarked_grades),
    )


async def district_report(
    session: AsyncSession, user: User, year_name: str, kind: str, number: int
) -> DistrictOut:
    """Every school of the district (the deployment) with a year of that name and that
    period: per school and per parallel, and the district's total."""
    require_inspector(user)
    if kind not in ("quarter", "half", "year"):
        raise BadPeriod("kind is quarter, half or year.")
    schools: list[SchoolOut] = []
    by_grade: dict[int, Counts] = {}
    district = Counts()
    found = False
    for school in await session.scalars(select(SchoolRow).order_by(SchoolRow.name)):
        period = await _school_period(session, school.school_id, year_name, kind, number)
        if period is None:
            continue
        found = True
        grading = await grading_of(session, school.school_id)
        classes = await classes_of(session, school.school_id)
        groups = await results_by_group(session, school.school_id, period, grading)
        total = Counts()
        for (klass, _), results in groups.items():
            level = classes[klass].grade if klass in classes else 0
            if not grading.marks_given(classes[klass].grade if klass in classes else None):
                continue
            counts = counts_of(results)
            total += counts
            by_grade[level] = by_grade.get(level, Counts()) + counts
        district += total
        schools.append(
            SchoolOut(
                school_id=school.school_id,
                school_name=school.name,
                **_fields(indicators(total)),
            )
        )
    if not found:
        raise NotFound("period in the district's schools")
    return DistrictOut(
        year_name=year_name,
        kind=kind,
        number=number,
        schools=schools,
        parallels=[
            ParallelOut(grade=level, **_fields(indicators(counts)))
            for level, counts in sorted(by_grade.items())
        ],
        district=IndicatorsOut(**_fields(indicators(district))),
    )


async def _school_period(
    session: AsyncSession, school_id: uuid.UUID, year_name: str, kind: str, number: int
) -> Period | None:
    for year in await years_of(session, school_id):
        if year.name != year_name:
            continue
        if kind == "year":
            return await find_period(session, school_id, None, year.year_id)
        for p in year.periods:
            if p["kind"] == kind and p["number"] == number:
                return await find_period(session, school_id, uuid.UUID(p["period_id"]), None)
    return None


@router.get("/progress", responses={**problems(403, 404, 422), **FILE_RESPONSES})
async def progress(
    session: Session,
    user: CurrentUser,
    period_id: Annotated[uuid.UUID | None, Query()] = None,
    year_id: Annotated[uuid.UUID | None, Query()] = None,
    class_id: Annotated[uuid.UUID | None, Query()] = None,
    grade: Annotated[int | None, Query(ge=1, le=11)] = None,
    subject_id: Annotated[uuid.UUID | None, Query()] = None,
    file_format: FileFormat = "json",
) -> ProgressOut:
    """Progress and quality for a period (`period_id`) or the year (`year_id`): counts of
    5/4/3/2/н/а, успеваемость, качество, СОУ and средний балл per class and subject, rolled
    up to the class, the parallel and the school."""
    await reach_of(session, user)
    period = await find_period(session, user.school_id, period_id, year_id)
    return as_format(
        "progress",
        await progress_report(session, user, period, class_id, grade, subject_id),
        file_format,
    )


@router.get("/district/progress", responses={**problems(403, 404, 422), **FILE_RESPONSES})
async def district_progress(
    session: Session,
    user: CurrentUser,
    year_name: Annotated[str, Query(min_length=4, max_length=50, examples=["2026/2027"])],
    kind: Annotated[str, Query(examples=["quarter"])],
    number: Annotated[int, Query(ge=0, le=4)] = 0,
    file_format: FileFormat = "json",
) -> DistrictOut:
    """The district inspector's aggregates across the schools, without names of people."""
    return as_format(
        "district-progress",
        await district_report(session, user, year_name, kind, number),
        file_format,
    )
