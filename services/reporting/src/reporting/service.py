"""Reporting use cases: log what arrives, keep the projections, answer report queries."""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, Table, and_, delete, func, outerjoin, select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.averages import weighted_average
from reporting.models import AssignmentRow, Base, ClassRow, LoggedEvent, MarkRow, WorkTypeRow
from shared.bulk import insert_new, upsert_newer
from shared.contracts.journal import (
    AssignmentMade,
    ClassOpened,
    MarkChanged,
    MarkPosted,
    MarkRemoved,
    WorkTypeChanged,
)
from shared.errors import Forbidden, NotFound
from shared.events import CloudEvent, Event
from shared.security import User

# Who may see a class's averages whatever they teach.
SCHOOL_READERS = ("director", "deputy")
# Who may see them for the classes and subjects they teach or lead.
TEACHING_STAFF = ("teacher", "class_teacher")


class MissingSchool(ValueError):
    """An event without a school cannot be projected; it is retried and then dead-lettered."""


def _school_of(event: Event) -> uuid.UUID:
    if event.school_id is None:
        raise MissingSchool(f"{event.routing_key} {event.event_id} carries no school")
    return event.school_id


# --- the log ---------------------------------------------------------------------------


async def log_event(session: AsyncSession, envelopes: Sequence[CloudEvent]) -> None:
    """Append received events to the log as they arrived, in one statement (an event
    already there is left as it is)."""
    await insert_new(session, _table(LoggedEvent), ["event_id"], [e.as_record() for e in envelopes])


# --- projections ------------------------------------------------------------------------
# Every projection row carries the version of the fact it holds and is changed only by a
# newer one (shared.bulk.upsert_newer), so projections do not depend on delivery order.


def _table(model: type[Base]) -> Table:
    return Base.metadata.tables[model.__tablename__]


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
    await upsert_newer(session, _table(MarkRow), ["mark_id"], [asdict(mark) for mark in marks])


async def apply_mark(session: AsyncSession, mark: MarkState) -> None:
    await apply_marks(session, [mark])


async def record_marks_posted(session: AsyncSession, events: Sequence[MarkPosted]) -> None:
    await apply_marks(
        session,
        (
            MarkState(
                mark_id=event.mark_id,
                school_id=_school_of(event),
                class_id=event.class_id,
                subject_id=event.subject_id,
                student_id=event.student_id,
                value=event.value,
                weight=event.weight,
                work_type=event.work_type,
                version=event.version,
            )
            for event in events
        ),
    )


async def record_marks_changed(session: AsyncSession, events: Sequence[MarkChanged]) -> None:
    """A changed mark's new state, unless a newer version (a later change or a removal's
    tombstone) is already stored."""
    await apply_marks(session, (_mark_state(event) for event in events))


async def record_marks_removed(session: AsyncSession, events: Sequence[MarkRemoved]) -> None:
    """A tombstone at the removal's version: left out of every average, and a MarkPosted
    or MarkChanged of an older version arriving later changes nothing."""
    await apply_marks(session, (_mark_state(event, deleted=True) for event in events))


def _mark_state(event: MarkChanged | MarkRemoved, *, deleted: bool = False) -> MarkState:
    return MarkState(
        mark_id=event.mark_id,
        school_id=_school_of(event),
        class_id=event.class_id,
        subject_id=event.subject_id,
        student_id=event.student_id,
        value=event.value,
        weight=event.weight,
        work_type=event.work_type,
        version=event.version,
        deleted=deleted,
    )


async def record_assignments(session: AsyncSession, events: Sequence[AssignmentMade]) -> None:
    await upsert_newer(
        session,
        _table(AssignmentRow),
        ["assignment_id"],
        [
            {
                "assignment_id": event.assignment_id,
                "school_id": _school_of(event),
                "teacher_id": event.teacher_id,
                "class_id": event.class_id,
                "subject_id": event.subject_id,
                "version": event.version,
            }
            for event in events
        ],
    )


async def record_classes_opened(session: AsyncSession, events: Sequence[ClassOpened]) -> None:
    await upsert_newer(
        session,
        _table(ClassRow),
        ["class_id"],
        [
            {
                "class_id": event.class_id,
                "school_id": _school_of(event),
                "name": event.name,
                "grade": event.grade,
                "class_teacher_id": event.class_teacher_id,
                "version": event.version,
            }
            for event in events
        ],
    )


async def record_work_types_changed(
    session: AsyncSession, events: Sequence[WorkTypeChanged]
) -> None:
    """A work type's weight as its newest version says (by school and code: the code is
    stable), whatever order the changes arrive in; every average uses it from then on,
    for marks given before the change too."""
    await upsert_newer(
        session,
        _table(WorkTypeRow),
        ["school_id", "code"],
        [
            {
                "school_id": _school_of(event),
                "code": event.code,
                "work_type_id": event.work_type_id,
                "weight": event.weight,
                "version": event.version,
            }
            for event in events
        ],
    )


async def clear_projections(session: AsyncSession) -> None:
    """Empty every projection (the log stays), before rebuilding them from the log."""
    for model in (MarkRow, AssignmentRow, ClassRow, WorkTypeRow):
        await session.execute(delete(model))


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
