"""What messaging keeps of journal's and auth's events to address and word notifications
and to write progress letters. Every projection goes by version (shared.bulk.upsert_newer):
any order of delivery ends in the same state."""

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import any_, bindparam, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.models import Base, Guardianship
from messaging.notifications.fanout import school_of
from messaging.notifications.models import (
    AttendanceRecord,
    Enrollment,
    Grading,
    MarkRecord,
    Period,
    RemarkRecord,
    School,
    SchoolClass,
    WorkType,
)
from shared.bulk import upsert_newer
from shared.contracts.auth import SchoolRegistered
from shared.contracts.journal import (
    AttendanceCleared,
    AttendanceMarked,
    ClassOpened,
    GradingSettingsChanged,
    GuardianLinked,
    GuardianUnlinked,
    MarkChanged,
    MarkPosted,
    MarkRemoved,
    RemarkWritten,
    StudentEnrolled,
    StudentLeft,
    WorkTypeChanged,
    YearCalendarChanged,
)

_UUIDS = ARRAY(UUID(as_uuid=True))
# Grades counting halves where the school never said otherwise (DESIGN §7).
DEFAULT_HALF_YEAR_GRADES = (10, 11)


def _table(model: type[Base]) -> Any:
    return Base.metadata.tables[model.__tablename__]


async def link_guardians(
    session: AsyncSession, events: Sequence[GuardianLinked | GuardianUnlinked]
) -> None:
    """Links and their tombstones (an unlinked guardian is told nothing more)."""
    await upsert_newer(
        session,
        _table(Guardianship),
        ["student_id", "guardian_id"],
        [
            {
                "student_id": e.student_id,
                "guardian_id": e.guardian_id,
                "school_id": school_of(e),
                "linked_at": e.occurred_at,
                "version": e.version,
                "unlinked": isinstance(e, GuardianUnlinked),
            }
            for e in events
        ],
    )


async def enroll(session: AsyncSession, events: Sequence[StudentEnrolled | StudentLeft]) -> None:
    """The class each student is in now (v1 enrollments follow transfers too)."""
    await upsert_newer(
        session,
        _table(Enrollment),
        ["student_id"],
        [
            {
                "student_id": e.student_id,
                "school_id": school_of(e),
                "class_id": e.class_id,
                "active": isinstance(e, StudentEnrolled),
                "version": e.version,
            }
            for e in events
        ],
    )


async def open_classes(session: AsyncSession, events: Sequence[ClassOpened]) -> None:
    await upsert_newer(
        session,
        _table(SchoolClass),
        ["class_id"],
        [
            {
                "class_id": e.class_id,
                "school_id": school_of(e),
                "grade": e.grade,
                "class_teacher_id": e.class_teacher_id,
                "version": e.version,
            }
            for e in events
        ],
    )


async def register_schools(session: AsyncSession, events: Sequence[SchoolRegistered]) -> None:
    await upsert_newer(
        session,
        _table(School),
        ["school_id"],
        [{"school_id": school_of(e), "timezone": e.timezone, "version": e.version} for e in events],
    )


async def keep_work_types(session: AsyncSession, events: Sequence[WorkTypeChanged]) -> None:
    await upsert_newer(
        session,
        _table(WorkType),
        ["school_id", "code"],
        [
            {
                "school_id": school_of(e),
                "code": e.code,
                "name": e.name,
                "weight": e.weight,
                "version": e.version,
            }
            for e in events
        ],
    )


async def keep_grading(session: AsyncSession, events: Sequence[GradingSettingsChanged]) -> None:
    await upsert_newer(
        session,
        _table(Grading),
        ["school_id"],
        [
            {
                "school_id": school_of(e),
                "half_year_grades": e.half_year_grades,
                "version": e.version,
            }
            for e in events
        ],
    )


async def keep_periods(session: AsyncSession, events: Sequence[YearCalendarChanged]) -> None:
    await upsert_newer(
        session,
        _table(Period),
        ["period_id"],
        [
            {
                "period_id": p.period_id,
                "school_id": school_of(e),
                "kind": p.kind,
                "number": p.number,
                "starts_on": p.starts_on,
                "ends_on": p.ends_on,
                "version": e.version,
            }
            for e in events
            for p in e.periods
        ],
    )


async def keep_marks(
    session: AsyncSession, events: Sequence[MarkPosted | MarkChanged | MarkRemoved]
) -> None:
    await upsert_newer(
        session,
        _table(MarkRecord),
        ["mark_id"],
        [
            {
                "mark_id": e.mark_id,
                "school_id": school_of(e),
                "student_id": e.student_id,
                "class_id": e.class_id,
                "subject_id": e.subject_id,
                "subject_name": e.subject_name,
                "lesson_date": e.lesson_date,
                "value": e.value,
                "work_type": e.work_type,
                "weight": e.weight,
                "removed": isinstance(e, MarkRemoved),
                "version": e.version,
            }
            for e in events
        ],
    )


async def keep_attendance(
    session: AsyncSession, events: Sequence[AttendanceMarked | AttendanceCleared]
) -> None:
    await upsert_newer(
        session,
        _table(AttendanceRecord),
        ["lesson_id", "student_id"],
        [
            {
                "lesson_id": e.lesson_id,
                "student_id": e.student_id,
                "school_id": school_of(e),
                "class_id": e.class_id,
                "lesson_date": e.lesson_date,
                "code": e.code if isinstance(e, AttendanceMarked) else None,
                "version": e.version,
            }
            for e in events
        ],
    )


async def keep_remarks(session: AsyncSession, events: Sequence[RemarkWritten]) -> None:
    await upsert_newer(
        session,
        _table(RemarkRecord),
        ["remark_id"],
        [
            {
                "remark_id": e.remark_id,
                "school_id": school_of(e),
                "student_id": e.student_id,
                "class_id": e.class_id,
                "kind": e.kind,
                "on": e.on,
                "version": e.version,
            }
            for e in events
        ],
    )


# --- Reading them -----------------------------------------------------------------------


async def work_type_names(
    session: AsyncSession, wanted: Iterable[tuple[uuid.UUID, str]]
) -> dict[tuple[uuid.UUID, str], str]:
    """The names of (school, work type code) pairs journal announced."""
    pairs = list(dict.fromkeys(wanted))
    if not pairs:
        return {}
    rows = await session.execute(
        select(WorkType.school_id, WorkType.code, WorkType.name).where(
            tuple_(WorkType.school_id, WorkType.code).in_(pairs)
        )
    )
    return {(school, code): name for school, code, name in rows}


async def students_of_classes(
    session: AsyncSession, classes: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """The students in each class now, in a stable order."""
    wanted = list(dict.fromkeys(classes))
    found: dict[uuid.UUID, list[uuid.UUID]] = {c: [] for c in wanted}
    if not wanted:
        return found
    rows = await session.execute(
        select(Enrollment.class_id, Enrollment.student_id)
        .where(
            Enrollment.class_id == any_(bindparam("classes", type_=_UUIDS)),
            Enrollment.active.is_(True),
        )
        .order_by(Enrollment.student_id),
        {"classes": wanted},
    )
    for class_id, student_id in rows:
        found[class_id].append(student_id)
    return found


async def classes_using(session: AsyncSession, school_id: uuid.UUID, kind: str) -> list[uuid.UUID]:
    """The school's classes whose year is split into `kind` periods (quarter or half)."""
    half_grades = await session.scalar(
        select(Grading.half_year_grades).where(Grading.school_id == school_id)
    )
    halves = set(half_grades if half_grades is not None else DEFAULT_HALF_YEAR_GRADES)
    rows = await session.execute(
        select(SchoolClass.class_id, SchoolClass.grade)
        .where(SchoolClass.school_id == school_id)
        .order_by(SchoolClass.class_id)
    )
    return [c for c, grade in rows if (grade in halves) == (kind == "half")]


async def periods_by_id(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Period]:
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    rows = await session.scalars(
        select(Period).where(Period.period_id == any_(bindparam("ids", type_=_UUIDS))),
        {"ids": wanted},
    )
    return {p.period_id: p for p in rows}
