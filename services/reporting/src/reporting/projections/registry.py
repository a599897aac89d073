"""Every projection as data: its table, its key, and for each event it listens to the rows
the event makes. The live consumer applies them batch by batch; the rebuild replays the
log through the same row makers; the data generator (bench/datagen) writes the newest row
per key from them, so none of the three can drift from the others.
"""

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, delete
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.base import Base
from reporting.projections import tables as t
from shared.bulk import insert_new, upsert_newer
from shared.contracts.auth import SchoolRegistered, StaffAccountCreated, UserLoggedIn
from shared.contracts.journal import (
    AssignmentMade,
    AttendanceCleared,
    AttendanceMarked,
    ClassOpened,
    CurriculumChanged,
    FinalMarkRemoved,
    FinalMarkSet,
    GradingSettingsChanged,
    HomeworkCleared,
    HomeworkSet,
    LessonCancelled,
    LessonMoved,
    LessonScheduled,
    LessonSubstituted,
    LessonTopicSet,
    MarkChanged,
    MarkPosted,
    MarkRemoved,
    PeriodClosed,
    PeriodReopened,
    StudentEnrolled,
    StudentEnrolledV2,
    StudentLeft,
    StudentTransferred,
    ThematicPlanChanged,
    WorkTypeChanged,
    YearCalendarChanged,
)
from shared.contracts.messaging import MessageSent
from shared.events import Event

Row = dict[str, Any]

# The kinds of activity rows.
SIGNED_IN = "signin"
MARK_ENTERED = "mark_entered"
LESSON_FILLED = "lesson_filled"
MESSAGE_SENT = "message_sent"
RowMaker = Callable[[Any], Iterable[Row]]


class MissingSchool(ValueError):
    """An event without a school cannot be projected; it is retried and then dead-lettered."""


def school_of(event: Event) -> uuid.UUID:
    if event.school_id is None:
        raise MissingSchool(f"{event.routing_key} {event.event_id} carries no school")
    return event.school_id


@dataclass(frozen=True)
class Projection:
    """One table kept from events. `newest`: a state, each key holding its newest version
    (upsert_newer); otherwise facts, each key written once (insert_new)."""

    model: type[Base]
    key: tuple[str, ...]
    makers: Mapping[type[Event], RowMaker]
    newest: bool = True

    @property
    def table(self) -> Table:
        return Base.metadata.tables[self.model.__tablename__]

    def rows(self, events: Iterable[Event]) -> list[Row]:
        return [row for event in events for row in self.makers[type(event)](event)]

    async def apply(self, session: AsyncSession, events: Sequence[Event]) -> None:
        rows = self.rows(events)
        if not rows:
            return
        if self.newest:
            await upsert_newer(session, self.table, list(self.key), rows)
        else:
            await insert_new(session, self.table, list(self.key), rows)

    def final_rows(self, events: Iterable[Event]) -> list[Row]:
        """The rows the projection holds after all `events`, in whatever order: the
        newest per key (the first for facts). What the data generator writes."""
        held: dict[tuple[Any, ...], Row] = {}
        for row in self.rows(e for e in events if type(e) in self.makers):
            row_key = tuple(row[column] for column in self.key)
            stored = held.get(row_key)
            if stored is None or (self.newest and stored["version"] < row["version"]):
                held[row_key] = row
        return list(held.values())


# --- row makers, one per event ----------------------------------------------------------


def _school(event: SchoolRegistered) -> Iterable[Row]:
    yield {
        "school_id": school_of(event),
        "name": event.name,
        "timezone": event.timezone,
        "version": event.version,
    }


def _staff(event: StaffAccountCreated) -> Iterable[Row]:
    yield {
        "account_id": event.account_id,
        "school_id": school_of(event),
        "last_name": event.last_name,
        "first_name": event.first_name,
        "middle_name": event.middle_name,
        "roles": list(event.roles),
        "version": event.version,
    }


def _class(event: ClassOpened) -> Iterable[Row]:
    yield {
        "class_id": event.class_id,
        "school_id": school_of(event),
        "name": event.name,
        "grade": event.grade,
        "class_teacher_id": event.class_teacher_id,
        "version": event.version,
    }


def _assignment(event: AssignmentMade) -> Iterable[Row]:
    yield {
        "assignment_id": event.assignment_id,
        "school_id": school_of(event),
        "teacher_id": event.teacher_id,
        "class_id": event.class_id,
        "subject_id": event.subject_id,
        "subject_name": event.subject_name,
        "version": event.version,
    }


def _fact(
    event: Event,
    student_id: uuid.UUID,
    kind: str,
    class_id: uuid.UUID,
    on: Any,
    from_class_id: uuid.UUID | None = None,
) -> Row:
    return {
        "student_id": student_id,
        "version": event.version,
        "kind": kind,
        "school_id": school_of(event),
        "class_id": class_id,
        "from_class_id": from_class_id,
        "on": on,
    }


def _enrolled_v1(event: StudentEnrolled) -> Iterable[Row]:
    yield _fact(event, event.student_id, "enrolled_undated", event.class_id, None)


def _enrolled(event: StudentEnrolledV2) -> Iterable[Row]:
    yield _fact(event, event.student_id, "enrolled", event.class_id, event.starts_on)


def _transferred(event: StudentTransferred) -> Iterable[Row]:
    yield _fact(
        event, event.student_id, "transferred", event.to_class_id, event.on, event.from_class_id
    )


def _left(event: StudentLeft) -> Iterable[Row]:
    yield _fact(event, event.student_id, "left", event.class_id, event.last_day)


def _year(event: YearCalendarChanged) -> Iterable[Row]:
    yield {
        "year_id": event.year_id,
        "school_id": school_of(event),
        "name": event.name,
        "starts_on": event.starts_on,
        "ends_on": event.ends_on,
        "periods": [p.model_dump(mode="json") for p in event.periods],
        "holidays": [h.model_dump(mode="json") for h in event.holidays],
        "version": event.version,
    }


def _period_state(event: PeriodClosed | PeriodReopened) -> Iterable[Row]:
    yield {
        "period_id": event.period_id,
        "school_id": school_of(event),
        "year_id": event.year_id,
        "closed": isinstance(event, PeriodClosed),
        "changed_at": event.closed_at if isinstance(event, PeriodClosed) else event.reopened_at,
        "version": event.version,
    }


def _grading(event: GradingSettingsChanged) -> Iterable[Row]:
    yield {
        "school_id": school_of(event),
        "rounding_rule": event.rounding_rule,
        "min_marks_per_period": event.min_marks_per_period,
        "late_entry_days": event.late_entry_days,
        "half_year_grades": list(event.half_year_grades),
        "unmarked_grades": list(event.unmarked_grades),
        "version": event.version,
    }


def _curriculum(event: CurriculumChanged) -> Iterable[Row]:
    yield {
        "year_id": event.year_id,
        "grade": event.grade,
        "school_id": school_of(event),
        "weeks": event.weeks,
        "subjects": [s.model_dump(mode="json") for s in event.subjects],
        "version": event.version,
    }


def _plan(event: ThematicPlanChanged) -> Iterable[Row]:
    yield {
        "plan_id": event.plan_id,
        "school_id": school_of(event),
        "assignment_id": event.assignment_id,
        "year_id": event.year_id,
        "class_id": event.class_id,
        "subject_id": event.subject_id,
        "planned_hours": event.planned_hours,
        "items": [i.model_dump(mode="json") for i in event.items],
        "version": event.version,
    }


def _lesson(event: LessonScheduled) -> Iterable[Row]:
    yield {
        "lesson_id": event.lesson_id,
        "school_id": school_of(event),
        "assignment_id": event.assignment_id,
        "class_id": event.class_id,
        "group_id": event.group_id,
        "subject_id": event.subject_id,
        "teacher_id": event.teacher_id,
        "substitute_id": event.substitute_id,
        "lesson_date": event.lesson_date,
        "lesson_number": event.lesson_number,
        "topic": event.topic,
        "homework": event.homework,
        "cancelled": event.cancelled,
        "version": event.version,
    }


def _topic(event: LessonTopicSet) -> Iterable[Row]:
    yield {
        "lesson_id": event.lesson_id,
        "school_id": school_of(event),
        "topic": event.topic,
        "plan_item_id": event.plan_item_id,
        "set_at": event.occurred_at,
        "version": event.version,
    }


def _homework(event: HomeworkSet | HomeworkCleared) -> Iterable[Row]:
    yield {
        "lesson_id": event.lesson_id,
        "school_id": school_of(event),
        "present": isinstance(event, HomeworkSet),
        "set_at": event.occurred_at,
        "version": event.version,
    }


def _mark(event: MarkPosted | MarkChanged | MarkRemoved) -> Iterable[Row]:
    yield {
        "mark_id": event.mark_id,
        "school_id": school_of(event),
        "class_id": event.class_id,
        "subject_id": event.subject_id,
        "student_id": event.student_id,
        "value": event.value,
        "weight": event.weight,
        "work_type": event.work_type,
        "lesson_id": event.lesson_id,
        "lesson_date": event.lesson_date,
        "teacher_id": event.teacher_id,
        "version": event.version,
        "deleted": isinstance(event, MarkRemoved),
    }


def _mark_entry(event: MarkPosted) -> Iterable[Row]:
    yield {
        "mark_id": event.mark_id,
        "school_id": school_of(event),
        "lesson_id": event.lesson_id,
        "lesson_date": event.lesson_date,
        "teacher_id": event.teacher_id,
        "posted_at": event.occurred_at,
    }


def _work_type(event: WorkTypeChanged) -> Iterable[Row]:
    yield {
        "school_id": school_of(event),
        "code": event.code,
        "work_type_id": event.work_type_id,
        "weight": event.weight,
        "version": event.version,
    }


def _attendance(event: AttendanceMarked | AttendanceCleared) -> Iterable[Row]:
    yield {
        "lesson_id": event.lesson_id,
        "student_id": event.student_id,
        "school_id": school_of(event),
        "class_id": event.class_id,
        "subject_id": event.subject_id,
        "teacher_id": event.teacher_id,
        "lesson_date": event.lesson_date,
        "code": event.code if isinstance(event, AttendanceMarked) else None,
        "deleted": isinstance(event, AttendanceCleared),
        "version": event.version,
    }


def _final_mark(event: FinalMarkSet | FinalMarkRemoved) -> Iterable[Row]:
    removed = isinstance(event, FinalMarkRemoved)
    value = event.old_value if isinstance(event, FinalMarkRemoved) else event.value
    yield {
        "final_mark_id": event.final_mark_id,
        "school_id": school_of(event),
        "student_id": event.student_id,
        "class_id": event.class_id,
        "subject_id": event.subject_id,
        "assignment_id": event.assignment_id,
        "teacher_id": event.teacher_id,
        "year_id": event.year_id,
        "period_id": event.period_id,
        "value": str(value),
        "deleted": removed,
        "version": event.version,
    }


def _activity(
    kind: str, account: Callable[[Any], uuid.UUID | None], roles: Callable[[Any], list[str]]
) -> RowMaker:
    def make(event: Any) -> Iterable[Row]:
        yield {
            "event_id": event.event_id,
            "school_id": school_of(event),
            "event_type": event.routing_key,
            "kind": kind,
            "account_id": account(event),
            "roles": roles(event),
            "occurred_at": event.occurred_at,
        }

    return make


def _lesson_filled(event: LessonTopicSet | HomeworkSet) -> Iterable[Row]:
    if isinstance(event, LessonTopicSet) and event.topic is None:
        return ()
    return list(_activity(LESSON_FILLED, lambda e: e.teacher_id, lambda e: ["teacher"])(event))


LESSON_STATES = (LessonScheduled, LessonMoved, LessonCancelled, LessonSubstituted)

PROJECTIONS: tuple[Projection, ...] = (
    Projection(t.SchoolRow, ("school_id",), {SchoolRegistered: _school}),
    Projection(t.StaffRow, ("account_id",), {StaffAccountCreated: _staff}),
    Projection(t.ClassRow, ("class_id",), {ClassOpened: _class}),
    Projection(t.AssignmentRow, ("assignment_id",), {AssignmentMade: _assignment}),
    Projection(
        t.StudentFactRow,
        ("student_id", "version", "kind"),
        {
            StudentEnrolled: _enrolled_v1,
            StudentEnrolledV2: _enrolled,
            StudentTransferred: _transferred,
            StudentLeft: _left,
        },
        newest=False,
    ),
    Projection(t.YearRow, ("year_id",), {YearCalendarChanged: _year}),
    Projection(
        t.PeriodStateRow,
        ("period_id",),
        {PeriodClosed: _period_state, PeriodReopened: _period_state},
    ),
    Projection(t.GradingRow, ("school_id",), {GradingSettingsChanged: _grading}),
    Projection(t.CurriculumRow, ("year_id", "grade"), {CurriculumChanged: _curriculum}),
    Projection(t.ThematicPlanRow, ("plan_id",), {ThematicPlanChanged: _plan}),
    Projection(t.LessonRow, ("lesson_id",), dict.fromkeys(LESSON_STATES, _lesson)),
    Projection(t.LessonTopicRow, ("lesson_id",), {LessonTopicSet: _topic}),
    Projection(
        t.LessonHomeworkRow, ("lesson_id",), {HomeworkSet: _homework, HomeworkCleared: _homework}
    ),
    Projection(
        t.MarkRow, ("mark_id",), {MarkPosted: _mark, MarkChanged: _mark, MarkRemoved: _mark}
    ),
    Projection(t.MarkEntryRow, ("mark_id",), {MarkPosted: _mark_entry}, newest=False),
    Projection(t.WorkTypeRow, ("school_id", "code"), {WorkTypeChanged: _work_type}),
    Projection(
        t.AttendanceRow,
        ("lesson_id", "student_id"),
        {AttendanceMarked: _attendance, AttendanceCleared: _attendance},
    ),
    Projection(
        t.FinalMarkRow,
        ("final_mark_id",),
        {FinalMarkSet: _final_mark, FinalMarkRemoved: _final_mark},
    ),
    Projection(
        t.ActivityRow,
        ("event_id",),
        {
            UserLoggedIn: _activity(SIGNED_IN, lambda e: e.account_id, lambda e: list(e.roles)),
            MarkPosted: _activity(MARK_ENTERED, lambda e: e.teacher_id, lambda e: ["teacher"]),
            LessonTopicSet: _lesson_filled,
            HomeworkSet: _lesson_filled,
            MessageSent: _activity(MESSAGE_SENT, lambda e: None, lambda e: list(e.sender_roles)),
        },
        newest=False,
    ),
)

PROJECTED: tuple[type[Event], ...] = tuple(
    dict.fromkeys(event_type for p in PROJECTIONS for event_type in p.makers)
)


def projections_of(event_type: type[Event]) -> list[Projection]:
    return [p for p in PROJECTIONS if event_type in p.makers]


async def clear_projections(session: AsyncSession) -> None:
    """Empty every projection (the log stays), before rebuilding them from the log."""
    for projection in PROJECTIONS:
        await session.execute(delete(projection.table))
