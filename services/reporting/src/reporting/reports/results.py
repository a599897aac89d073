"""Each student's result in each subject for a period, by the class they count in: the
base of the progress report, the district's aggregates and the quarter-end check.

A student counts once, in the class they were in on the period's last day (a student who
left before it is not counted); their marks of the period in the subject count wherever
they were given (a student transferred mid-period brings them along). A student reporting
has no enrollment of (older data) counts in the class of their marks.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by as aggregate_order
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.projections.tables import AssignmentRow, FinalMarkRow
from reporting.reports.context import Grading, Period, class_on, marks_between, spells_in_school
from reporting.rules import StudentResult, student_result_of_sums

Group = tuple[uuid.UUID, uuid.UUID]
"""(class, subject)."""


@dataclass(frozen=True)
class StudentSubject:
    student_id: uuid.UUID
    final: str | None
    result: StudentResult


async def finals_of(
    session: AsyncSession, school_id: uuid.UUID, period: Period
) -> dict[tuple[uuid.UUID, uuid.UUID], tuple[str, uuid.UUID]]:
    """(student, subject) → (final mark, its class) of the period (or the year)."""
    in_period = (
        FinalMarkRow.period_id == period.period_id
        if period.period_id is not None
        else (FinalMarkRow.period_id.is_(None) & (FinalMarkRow.year_id == period.year_id))
    )
    rows = await session.execute(
        select(
            FinalMarkRow.student_id,
            FinalMarkRow.subject_id,
            FinalMarkRow.value,
            FinalMarkRow.class_id,
        ).where(FinalMarkRow.school_id == school_id, FinalMarkRow.deleted.is_(False), in_period)
    )
    return {(student, subject): (value, klass) for student, subject, value, klass in rows}


async def results_by_group(
    session: AsyncSession,
    school_id: uuid.UUID,
    period: Period,
    grading: Grading,
    classes: Sequence[uuid.UUID] | None = None,
) -> dict[Group, list[StudentSubject]]:
    """Every (class, subject) group's students with their results; groups of the classes'
    assignments that nobody has a result in are there, empty. `classes`: only these."""
    spells = await spells_in_school(session, school_id)
    enrolled = {spell.student_id for spell in spells}
    # One aggregate per (student, subject): Σ value × weight, Σ weight, count, and the
    # class of the student's latest mark (for students with no enrollment known).
    sums: dict[tuple[uuid.UUID, uuid.UUID], tuple[int, int, int]] = {}
    last_class: dict[uuid.UUID, uuid.UUID] = {}
    latest: dict[uuid.UUID, date] = {}
    marks = marks_between(school_id, period.starts_on, period.ends_on).subquery()
    aggregate = select(
        marks.c.student_id,
        marks.c.subject_id,
        func.sum(marks.c.value * marks.c.weight),
        func.sum(marks.c.weight),
        func.count(),
        func.max(marks.c.lesson_date),
        func.array_agg(aggregate_order(marks.c.class_id, marks.c.lesson_date.desc())),
    ).group_by(marks.c.student_id, marks.c.subject_id)
    for student, subject, weighted, weights, count, newest, by_date in await session.execute(
        aggregate
    ):
        sums[(student, subject)] = (int(weighted), int(weights), int(count))
        if student not in latest or latest[student] < newest:
            latest[student], last_class[student] = newest, by_date[0]
    finals = await finals_of(session, school_id, period)
    for (student, _), (_, klass) in finals.items():
        last_class.setdefault(student, klass)

    wanted = set(classes) if classes is not None else None
    groups: dict[Group, list[StudentSubject]] = {}
    assignments = select(AssignmentRow.class_id, AssignmentRow.subject_id).where(
        AssignmentRow.school_id == school_id
    )
    if wanted is not None:
        assignments = assignments.where(AssignmentRow.class_id.in_(wanted))
    for klass, subject in await session.execute(assignments):
        groups.setdefault((klass, subject), [])
    for student, subject in sorted(set(sums) | set(finals), key=str):
        counted_in = (
            class_on(spells, student, period.ends_on)
            if student in enrolled
            else last_class.get(student)
        )
        if counted_in is None or (wanted is not None and counted_in not in wanted):
            continue
        final = finals.get((student, subject))
        result = student_result_of_sums(
            final[0] if final else None,
            *sums.get((student, subject), (0, 0, 0)),
            grading.rounding_rule,
            grading.min_marks,
        )
        groups.setdefault((counted_in, subject), []).append(
            StudentSubject(student, final[0] if final else None, result)
        )
    return groups


def average_of(results: Sequence[StudentSubject]) -> Decimal | None:
    averages = [r.result.average for r in results if r.result.average is not None]
    return None if not averages else sum(averages, Decimal(0)) / len(averages)
