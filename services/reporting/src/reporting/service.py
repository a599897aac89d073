"""The weighted averages of a class and subject (the first report), and a mark's state
written directly (tests of the version rule)."""

import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, func, outerjoin, select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.averages import weighted_average
from reporting.base import Base
from reporting.projections.registry import MissingSchool
from reporting.projections.tables import AssignmentRow, ClassRow, MarkRow, WorkTypeRow
from shared.bulk import upsert_newer
from shared.errors import Forbidden, NotFound
from shared.security import User

# Who may see a class's averages whatever they teach.
SCHOOL_READERS = ("director", "deputy")
# Who may see them for the classes and subjects they teach or lead.
TEACHING_STAFF = ("teacher", "class_teacher")


@dataclass(frozen=True)
class MarkState:
    """A mark at one version; `deleted` makes it a tombstone left out of every report."""

    mark_id: uuid.UUID
    school_id: uuid.UUID
    class_id: uuid.UUID
    subject_id: uuid.UUID
    student_id: uuid.UUID
    value: int
    weight: int
    work_type: str
    version: int
    deleted: bool = False


async def apply_marks(session: AsyncSession, marks: Iterable[MarkState]) -> None:
    """Store the marks' states, each unless a newer version of it is already stored."""
    table = Base.metadata.tables[MarkRow.__tablename__]
    await upsert_newer(session, table, ["mark_id"], [asdict(mark) for mark in marks])


async def apply_mark(session: AsyncSession, mark: MarkState) -> None:
    await apply_marks(session, [mark])


# --- reports ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassSubjectAverage:
    class_id: uuid.UUID
    subject_id: uuid.UUID
    weighted_average: float | None
    marks_count: int


async def _teaches_or_leads(
    session: AsyncSession, user: User, klass: ClassRow, subject_id: uuid.UUID
) -> bool:
    # Journal knows teachers by their auth account (the token's subject).
    if klass.class_teacher_id == user.account_id:
        return True
    assigned = await session.scalar(
        select(AssignmentRow.assignment_id)
        .where(
            AssignmentRow.school_id == user.school_id,
            AssignmentRow.class_id == klass.class_id,
            AssignmentRow.subject_id == subject_id,
            AssignmentRow.teacher_id == user.account_id,
        )
        .limit(1)
    )
    return assigned is not None


# A mark weighs what its work type weighs now; the weight at posting only while reporting
# has not heard of the work type (a school whose work types predate the projection).
_CURRENT_WEIGHT: ColumnElement[int] = func.coalesce(WorkTypeRow.weight, MarkRow.weight)


_MARKS_AND_WEIGHTS = outerjoin(
    MarkRow,
    WorkTypeRow,
    and_(WorkTypeRow.school_id == MarkRow.school_id, WorkTypeRow.code == MarkRow.work_type),
)


async def class_subject_average(
    session: AsyncSession, user: User, class_id: uuid.UUID, subject_id: uuid.UUID
) -> ClassSubjectAverage:
    """The weighted average of a class's marks in a subject, for those allowed to see it."""
    if not user.has(*SCHOOL_READERS, *TEACHING_STAFF):
        raise Forbidden()
    klass = await session.get(ClassRow, class_id)
    if klass is None or klass.school_id != user.school_id:
        raise NotFound("class")
    if not user.has(*SCHOOL_READERS) and not await _teaches_or_leads(
        session, user, klass, subject_id
    ):
        raise Forbidden(
            "Only the subject's teacher, the class teacher and the administration "
            "may see this class's marks."
        )
    weighted_sum, weight_sum, count = (
        await session.execute(
            select(
                func.coalesce(func.sum(MarkRow.value * _CURRENT_WEIGHT), 0),
                func.coalesce(func.sum(_CURRENT_WEIGHT), 0),
                func.count(),
            )
            .select_from(_MARKS_AND_WEIGHTS)
            .where(
                MarkRow.school_id == user.school_id,
                MarkRow.class_id == class_id,
                MarkRow.subject_id == subject_id,
                MarkRow.deleted.is_(False),
            )
        )
    ).one()
    return ClassSubjectAverage(
        class_id=class_id,
        subject_id=subject_id,
        weighted_average=_as_float(weighted_average(int(weighted_sum), int(weight_sum))),
        marks_count=int(count),
    )


async def school_class_subject_averages(
    session: AsyncSession, user: User
) -> list[ClassSubjectAverage]:
    """Every class's weighted average in every subject of the caller's school, for the
    administration (one aggregate over the school's year of marks)."""
    if not user.has(*SCHOOL_READERS):
        raise Forbidden("Only the director and the deputies see the whole school's averages.")
    rows = await session.execute(
        select(
            MarkRow.class_id,
            MarkRow.subject_id,
            func.sum(MarkRow.value * _CURRENT_WEIGHT),
            func.sum(_CURRENT_WEIGHT),
            func.count(),
        )
        .select_from(_MARKS_AND_WEIGHTS)
        .where(MarkRow.school_id == user.school_id, MarkRow.deleted.is_(False))
        .group_by(MarkRow.class_id, MarkRow.subject_id)
        .order_by(MarkRow.class_id, MarkRow.subject_id)
    )
    return [
        ClassSubjectAverage(
            class_id=class_id,
            subject_id=subject_id,
            weighted_average=_as_float(weighted_average(int(weighted_sum), int(weight_sum))),
            marks_count=int(count),
        )
        for class_id, subject_id, weighted_sum, weight_sum, count in rows
    ]


def _as_float(average: Decimal | None) -> float | None:
    return float(average) if average is not None else None


__all__ = ["MissingSchool"]
