"""Use cases of final marks: a class's period or year column with the suggestions, setting
and changing one student's final mark or the whole class's at once, removing one, and a
student's final marks for the diary. Every change is versioned, kept in
`final_mark_history` and published (`FinalMarkSet`, `FinalMarkRemoved`).

Who: the teacher of the assignment writes; the class teacher of its class, the deputy and
the director read; another teacher of the school gets 404, as for a plan."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Select, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from journal.access import ADMINISTRATION, TEACHING, require_role
from journal.calendar.models import AcademicYear, Period
from journal.calendar.rules import period_kind_for
from journal.corrections import HISTORY_READERS, stale, version_required
from journal.finals import rules
from journal.finals.models import FinalMark, FinalMarkChange
from journal.finals.rules import FinalValue
from journal.finals.schemas import (
    FinalMarkHistory,
    FinalMarkHistoryEntry,
    PeriodFinalBrief,
    PeriodFinals,
    SetFinal,
    StudentPeriodFinal,
    StudentYearFinal,
    YearFinals,
)
from journal.grading.rules import suggest_from_entries
from journal.grading.service import SchoolGrading, settings_of
from journal.lessons.models import Lesson
from journal.marks.models import Mark
from journal.roster.models import Enrollment, SchoolClass, Student
from journal.school.models import WorkType
from journal.teaching.models import Assignment, Subject
from shared.contracts.journal import FinalMarkRemoved, FinalMarkSet, PeriodKind
from shared.errors import Forbidden, NotFound, Problem
from shared.outbox import add_event
from shared.security import User

T = TypeVar("T")
SET = "set"  # the history reason of a first final mark, when none is given
READERS = (*ADMINISTRATION, *TEACHING)


@dataclass(frozen=True)
class Scope:
    """An assignment's column of final marks: a period's, or the year's (no period)."""

    assignment: Assignment
    school_class: SchoolClass
    subject: Subject
    year: AcademicYear
    period: Period | None
    kind: PeriodKind
    grading: SchoolGrading

    @property
    def term_id(self) -> uuid.UUID:
        return self.period.id if self.period is not None else self.year.id

    @property
    def starts_on(self) -> date:
        return self.period.starts_on if self.period is not None else self.year.starts_on

    @property
    def ends_on(self) -> date:
        return self.period.ends_on if self.period is not None else self.year.ends_on

    @property
    def closed(self) -> bool:
        return self.year.closed_at is not None or (
            self.period is not None and self.period.closed_at is not None
        )


@dataclass(frozen=True)
class Wanted:
    """One student's final mark as a request asks for it."""

    student_id: uuid.UUID
    value: FinalValue
    reason: str | None
    version: int | None


@dataclass(frozen=True)
class StudentFinal:
    """A student's final mark as the diary shows it."""

    subject_id: uuid.UUID
    subject_name: str
    year_id: uuid.UUID
    period_id: uuid.UUID | None  # None: the year's final mark
    period_kind: PeriodKind | None
    period_number: int | None
    value: FinalValue
    version: int


def _own(user: User, assignment: Assignment) -> bool:
    return user.has(*TEACHING) and assignment.teacher_id == user.account_id


def _leads(user: User, school_class: SchoolClass) -> bool:
    return user.has(*TEACHING) and school_class.class_teacher_id == user.account_id


async def _scope(
    session: AsyncSession,
    user: User,
    assignment_id: uuid.UUID,
    *,
    period_id: uuid.UUID | None = None,
    year_id: uuid.UUID | None = None,
    write: bool,
) -> Scope:
    """The column the caller may read (or write), 404 across schools and for teachers with
    nothing to do with the class. A write holds the period and the year `FOR SHARE`, so a
    closing that commits meanwhile waits for it and none is written into a closed period."""
    require_role(user, *READERS)
    assignment = await session.get(Assignment, assignment_id)
    if assignment is None or assignment.school_id != user.school_id:
        raise NotFound("assignment")
    school_class = await session.get(SchoolClass, assignment.class_id)
    subject = await session.get(Subject, assignment.subject_id)
    assert school_class is not None and subject is not None  # the foreign keys hold them
    if write:
        if not _own(user, assignment):
            if user.has(*ADMINISTRATION) or _leads(user, school_class):
                raise Forbidden("Only the assignment's teacher sets its final marks.")
            raise NotFound("assignment")
    elif not (user.has(*ADMINISTRATION) or _own(user, assignment) or _leads(user, school_class)):
        raise NotFound("assignment")

    def locked(query: Select[T]) -> Select[T]:
        query = query.execution_options(populate_existing=True)
        return query.with_for_update(read=True) if write else query

    period: Period | None = None
    if period_id is not None:
        period = await session.scalar(
            locked(select(Period).where(Period.id == period_id, Period.school_id == user.school_id))
        )
        if period is None:
            raise NotFound("period")
        year_id = period.year_id
    year = await session.scalar(
        locked(
            select(AcademicYear).where(
                AcademicYear.id == year_id, AcademicYear.school_id == user.school_id
            )
        )
    )
    if year is None:
        raise NotFound("academic year")
    grading = await settings_of(session, user.school_id)
    kind = period_kind_for(school_class.grade, grading.half_year_grades)
    if period is not None and period.kind != kind:
        raise Problem(
            422,
            "period-not-of-class",
            "Period not of this class",
            f"Class level {school_class.grade} is graded by "
            f"{'halves' if kind == 'half' else 'quarters'}, not by this period.",
        )
    return Scope(assignment, school_class, subject, year, period, kind, grading)


async def _students(session: AsyncSession, scope: Scope) -> list[Student]:
    """The students enrolled in the class on some day of the term, by name."""
    enrolled = select(Enrollment.student_id).where(
        Enrollment.class_id == scope.school_class.id,
        Enrollment.starts_on <= scope.ends_on,
        or_(Enrollment.ends_on.is_(None), Enrollment.ends_on >= scope.starts_on),
    )
    return list(
        await session.scalars(
            select(Student)
            .where(Student.id.in_(enrolled))
            .order_by(Student.last_name, Student.first_name, Student.middle_name, Student.id)
        )
    )


async def _period_entries(
    session: AsyncSession, scope: Scope, student_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[int, int]]]:
    """Each student's current marks of the subject in the period with their work type's
    current weight (docs/architecture.md: a changed weight applies to marks given). Marks
    from another class's lessons of the subject count too: a student transferred during
    the period brings them."""
    assert scope.period is not None
    rows = await session.execute(
        select(Mark.student_id, Mark.value, WorkType.weight)
        .join(Lesson, Lesson.id == Mark.lesson_id)
        .join(WorkType, WorkType.id == Mark.work_type_id)
        .where(
            Lesson.school_id == scope.assignment.school_id,
            Lesson.subject_id == scope.subject.id,
            Lesson.date >= scope.period.starts_on,
            Lesson.date <= scope.period.ends_on,
            Mark.removed_at.is_(None),
            Mark.student_id.in_(student_ids),
        )
    )
    entries: dict[uuid.UUID, list[tuple[int, int]]] = {}
    for student_id, value, weight in rows:
        entries.setdefault(student_id, []).append((value, weight))
    return entries


async def _finals(
    session: AsyncSession,
    subject_id: uuid.UUID,
    term_ids: Sequence[uuid.UUID],
    student_ids: Sequence[uuid.UUID],
    *,
    lock: bool = False,
) -> dict[tuple[uuid.UUID, uuid.UUID], FinalMark]:
    """The final marks (removed ones too) by (student, term); locked in one order."""
    query = (
        select(FinalMark)
        .where(
            FinalMark.subject_id == subject_id,
            FinalMark.term_id.in_(term_ids),
            FinalMark.student_id.in_(student_ids),
        )
        .order_by(FinalMark.student_id, FinalMark.term_id)
        .execution_options(populate_existing=True)
    )
    if lock:
        query = query.with_for_update()
    return {(row.student_id, row.term_id): row for row in await session.scalars(query)}


def _set_final(row: FinalMark | None) -> SetFinal:
    if row is None:
        return SetFinal(value=None, version=0, set_by=None, set_at=None)
    return SetFinal(
        value=rules.loaded(row.value), version=row.version, set_by=row.set_by, set_at=row.set_at
    )


async def period_finals(
    session: AsyncSession, user: User, assignment_id: uuid.UUID, period_id: uuid.UUID
) -> PeriodFinals:
    """The period's column: each student's weighted average, the suggested mark and the
    final mark set."""
    scope = await _scope(session, user, assignment_id, period_id=period_id, write=False)
    assert scope.period is not None
    students = await _students(session, scope)
    ids = [s.id for s in students]
    entries = await _period_entries(session, scope, ids)
    finals = await _finals(session, scope.subject.id, [scope.term_id], ids)
    items = []
    for student in students:
        suggestion = suggest_from_entries(
            entries.get(student.id, []),
            scope.grading.rounding_rule,
            scope.grading.min_marks_per_period,
        )
        final = _set_final(finals.get((student.id, scope.term_id)))
        items.append(
            StudentPeriodFinal(
                student_id=student.id,
                last_name=student.last_name,
                first_name=student.first_name,
                middle_name=student.middle_name,
                average=None if suggestion.average is None else float(suggestion.average),
                marks_counted=suggestion.marks_counted,
                suggested=suggestion.mark,
                final=final,
                differs_from_suggestion=rules.differs(final.value, suggestion.mark),
            )
        )
    return PeriodFinals(
        assignment_id=scope.assignment.id,
        class_id=scope.school_class.id,
        subject_id=scope.subject.id,
        year_id=scope.year.id,
        period_id=scope.period.id,
        kind=scope.kind,
        number=scope.period.number,
        closed=scope.closed,
        rounding_rule=scope.grading.rounding_rule,
        min_marks_per_period=scope.grading.min_marks_per_period,
        items=items,
    )


async def _year_periods(session: AsyncSession, scope: Scope) -> list[Period]:
    return list(
        await session.scalars(
            select(Period)
            .where(Period.year_id == scope.year.id, Period.kind == scope.kind)
            .order_by(Period.number)
        )
    )


async def year_finals(
    session: AsyncSession, user: User, assignment_id: uuid.UUID, year_id: uuid.UUID
) -> YearFinals:
    """The year's column: each student's period finals, the suggested year mark and the
    year's final mark set."""
    scope = await _scope(session, user, assignment_id, year_id=year_id, write=False)
    students = await _students(session, scope)
    ids = [s.id for s in students]
    periods = await _year_periods(session, scope)
    finals = await _finals(
        session, scope.subject.id, [scope.year.id, *(p.id for p in periods)], ids
    )
    items = []
    for student in students:
        own = [
            PeriodFinalBrief(
                period_id=p.id,
                number=p.number,
                value=_set_final(finals.get((student.id, p.id))).value,
            )
            for p in periods
        ]
        suggested = rules.suggest_year_mark([p.value for p in own], scope.grading.rounding_rule)
        final = _set_final(finals.get((student.id, scope.year.id)))
        items.append(
            StudentYearFinal(
                student_id=student.id,
                last_name=student.last_name,
                first_name=student.first_name,
                middle_name=student.middle_name,
                periods=own,
                suggested=suggested,
                final=final,
                differs_from_suggestion=rules.differs(final.value, suggested),
            )
        )
    return YearFinals(
        assignment_id=scope.assignment.id,
        class_id=scope.school_class.id,
        subject_id=scope.subject.id,
        year_id=scope.year.id,
        kind=scope.kind,
        closed=scope.closed,
        rounding_rule=scope.grading.rounding_rule,
        items=items,
    )


async def writable(
    session: AsyncSession,
    user: User,
    assignment_id: uuid.UUID,
    *,
    period_id: uuid.UUID | None = None,
    year_id: uuid.UUID | None = None,
) -> Scope:
    """The column the caller writes now: the assignment's teacher, the term open."""
    scope = await _scope(
        session, user, assignment_id, period_id=period_id, year_id=year_id, write=True
    )
    if scope.year.closed_at is not None:
        raise Problem(
            409,
            "year-closed",
            "Учебный год закрыт",
            "Учебный год закрыт: итоговые отметки в нём не ставятся и не меняются, "
            "пока завуч его не откроет.",
        )
    if scope.period is not None and scope.period.closed_at is not None:
        raise Problem(
            409,
            "period-closed",
            "Период закрыт",
            "Период закрыт: итоговые отметки за него не ставятся и не меняются, "
            "пока завуч его не откроет.",
        )
    return scope


def current(row: FinalMark | None, student_id: uuid.UUID) -> dict[str, Any]:
    """A final mark as a 409 carries it (version 0: none was ever set)."""
    final = _set_final(row)
    return {
        "student_id": str(student_id),
        "value": final.value,
        "version": final.version,
        "set_by": None if final.set_by is None else str(final.set_by),
        "set_at": None if final.set_at is None else final.set_at.isoformat(),
    }


@dataclass(frozen=True)
class EntryError:
    index: int
    student_id: uuid.UUID
    type: str
    msg: str
    status: int
    current: dict[str, Any] | None = None

    def problem(self) -> Problem:
        """The problem this error is when it is the only entry (a single PUT)."""
        if self.type == "stale-version":
            assert self.current is not None
            return stale("final mark", self.current)
        if self.type == "version-required":
            return version_required()
        titles = {
            "student-not-in-class": "Student not in class",
            "reason-required": "Reason required",
            "nothing-changed": "Nothing changed",
            "marks-not-given": "Marks not given",
        }
        return Problem(self.status, self.type, titles[self.type], self.msg)

    def entry(self) -> dict[str, Any]:
        named: dict[str, Any] = {
            "loc": ["body", "items", self.index],
            "student_id": str(self.student_id),
            "type": self.type,
            "msg": self.msg,
        }
        if self.current is not None:
            named["current"] = self.current
        return named


def _check(
    index: int,
    wanted: Wanted,
    row: FinalMark | None,
    enrolled: set[uuid.UUID],
    seen: set[uuid.UUID],
    marks_given: bool,
) -> EntryError | None:
    def error(kind: str, msg: str, status: int = 422, **extra: Any) -> EntryError:
        return EntryError(index, wanted.student_id, kind, msg, status, **extra)

    if wanted.student_id in seen:
        return error("duplicate", "The student is listed more than once.")
    seen.add(wanted.student_id)
    if wanted.student_id not in enrolled:
        return error(
            "student-not-in-class", "The student is not enrolled in the class during the term."
        )
    if not marks_given and isinstance(wanted.value, int):
        return error(
            "marks-not-given",
            "Класс учится без отметок: итоговой отметкой может быть только «зч», «осв» или «н/а».",
        )
    if row is not None and wanted.version is None:
        return error(
            "version-required",
            "A final mark is set: name the version this change is based on.",
            428,
        )
    if (wanted.version or 0) != (0 if row is None else row.version):
        return error(
            "stale-version",
            "The final mark was changed since the version this change was based on.",
            409,
            current=current(row, wanted.student_id),
        )
    held = rules.loaded(row.value) if row is not None else None
    if held == wanted.value:
        return error("nothing-changed", "The student already has this final mark.")
    if held is not None and wanted.reason is None:
        return error("reason-required", "Changing a final mark needs a reason.")
    return None


def _entries_problem(errors: list[EntryError]) -> Problem:
    """One answer naming every bad entry: 422 when any entry is wrong in itself, else 428
    when a version is missing, else 409 (every failing entry was stale)."""
    status = 422 if any(e.status == 422 for e in errors) else max(e.status for e in errors)
    slug, title = {
        422: ("invalid-final-marks", "Invalid final marks"),
        428: ("version-required", "Version required"),
        409: ("stale-version", "Stale version"),
    }[status]
    return Problem(
        status,
        slug,
        title,
        f"{len(errors)} of the entries cannot be saved; nothing was saved.",
        errors=[e.entry() for e in errors],
    )


def _event_fields(scope: Scope, row: FinalMark, user: User) -> dict[str, Any]:
    return {
        "school_id": user.school_id,
        "version": row.version,
        "final_mark_id": row.id,
        "student_id": row.student_id,
        "class_id": scope.school_class.id,
        "subject_id": scope.subject.id,
        "subject_name": scope.subject.name,
        "assignment_id": scope.assignment.id,
        "teacher_id": scope.assignment.teacher_id,
        "year_id": scope.year.id,
        "period_id": None if scope.period is None else scope.period.id,
    }


async def _history(
    session: AsyncSession,
    user: User,
    row: FinalMark,
    old: str | None,
    reason: str,
    now: datetime,
) -> None:
    session.add(
        FinalMarkChange(
            school_id=row.school_id,
            final_mark_id=row.id,
            version=row.version,
            changed_by=user.account_id,
            changed_at=now,
            old_value=old,
            new_value=row.value,
            reason=reason,
        )
    )


async def _write(
    session: AsyncSession, user: User, scope: Scope, wanted: Wanted, row: FinalMark | None
) -> FinalMark:
    now = datetime.now(UTC)
    value = rules.stored(wanted.value)
    old = None if row is None else row.value
    if row is None:
        # A first final mark; another first one committed meanwhile makes this one stale.
        new_id = await session.scalar(
            insert(FinalMark)
            .values(
                id=uuid.uuid4(),
                school_id=user.school_id,
                student_id=wanted.student_id,
                subject_id=scope.subject.id,
                class_id=scope.school_class.id,
                assignment_id=scope.assignment.id,
                year_id=scope.year.id,
                period_id=None if scope.period is None else scope.period.id,
                term_id=scope.term_id,
                value=value,
                version=1,
                set_by=user.account_id,
                set_at=now,
            )
            .on_conflict_do_nothing(constraint="uq_final_marks_student_subject_term")
            .returning(FinalMark.id)
        )
        if new_id is None:
            raced = await _finals(
                session, scope.subject.id, [scope.term_id], [wanted.student_id], lock=True
            )
            raise stale(
                "final mark",
                current(raced.get((wanted.student_id, scope.term_id)), wanted.student_id),
            )
        row = await session.get(FinalMark, new_id)
        assert row is not None
    else:
        row.value = value
        row.version += 1
        row.class_id = scope.school_class.id
        row.assignment_id = scope.assignment.id
        row.set_by = user.account_id
        row.set_at = now
        row.removed_at = None
        row.removed_by = None
    await _history(session, user, row, old, wanted.reason or SET, now)
    await add_event(
        session,
        FinalMarkSet(
            occurred_at=now,
            value=wanted.value,
            old_value=rules.loaded(old),
            **_event_fields(scope, row, user),
        ),
    )
    return row


async def set_finals(
    session: AsyncSession, user: User, scope: Scope, wanted: Sequence[Wanted], *, single: bool
) -> list[tuple[FinalMark, bool]]:
    """Set or change final marks of the column (authorized by `writable`), all or none:
    every bad entry is named in one answer. In a bulk request an entry already holding its
    value is left as it is (the class's column saved again changes nothing); a single
    request for the value already held is refused (422 `nothing-changed`)."""
    enrolled = {s.id for s in await _students(session, scope)}
    ids = sorted({w.student_id for w in wanted})
    held = await _finals(session, scope.subject.id, [scope.term_id], ids, lock=True)
    errors: list[EntryError] = []
    plan: list[tuple[Wanted, FinalMark | None]] = []
    unchanged: dict[int, FinalMark] = {}
    seen: set[uuid.UUID] = set()
    marks_given = scope.grading.marks_given(scope.school_class.grade)
    for index, one in enumerate(wanted):
        row = held.get((one.student_id, scope.term_id))
        error = _check(index, one, row, enrolled, seen, marks_given)
        if error is not None and error.type == "nothing-changed" and not single:
            assert row is not None
            unchanged[index] = row
        elif error is not None:
            errors.append(error)
        else:
            plan.append((one, row))
    if errors:
        raise errors[0].problem() if single else _entries_problem(errors)
    written = iter([await _write(session, user, scope, one, row) for one, row in plan])
    await session.flush()
    return [
        (unchanged[index], False) if index in unchanged else (next(written), True)
        for index in range(len(wanted))
    ]


async def remove_final(
    session: AsyncSession,
    user: User,
    scope: Scope,
    student_id: uuid.UUID,
    reason: str,
    version: int | None,
) -> FinalMark:
    """Remove a student's final mark (authorized by `writable`): a tombstone with the next
    version; setting one again continues from it."""
    held = await _finals(session, scope.subject.id, [scope.term_id], [student_id], lock=True)
    row = held.get((student_id, scope.term_id))
    if row is None:
        raise NotFound("final mark")
    if version is None:
        raise version_required()
    if row.version != version or row.value is None:
        raise stale("final mark", current(row, student_id))
    now = datetime.now(UTC)
    old = row.value
    row.value = None
    row.version += 1
    row.removed_at = now
    row.removed_by = user.account_id
    await _history(session, user, row, old, reason, now)
    old_value = rules.loaded(old)
    assert old_value is not None
    await add_event(
        session,
        FinalMarkRemoved(occurred_at=now, old_value=old_value, **_event_fields(scope, row, user)),
    )
    await session.flush()
    return row


async def final_mark_history(
    session: AsyncSession,
    user: User,
    assignment_id: uuid.UUID,
    student_id: uuid.UUID,
    *,
    period_id: uuid.UUID | None = None,
    year_id: uuid.UUID | None = None,
) -> FinalMarkHistory:
    """Every version of a student's final mark of the term, oldest first (deputy, director);
    404 for one never set."""
    require_role(user, *HISTORY_READERS)
    scope = await _scope(
        session, user, assignment_id, period_id=period_id, year_id=year_id, write=False
    )
    row = (await _finals(session, scope.subject.id, [scope.term_id], [student_id])).get(
        (student_id, scope.term_id)
    )
    if row is None:
        raise NotFound("final mark")
    changes = await session.scalars(
        select(FinalMarkChange)
        .where(FinalMarkChange.final_mark_id == row.id)
        .order_by(FinalMarkChange.version)
    )
    return FinalMarkHistory(
        final_mark_id=row.id,
        student_id=student_id,
        removed=row.value is None,
        changes=[
            FinalMarkHistoryEntry(
                version=change.version,
                changed_by=change.changed_by,
                changed_at=change.changed_at,
                old_value=rules.loaded(change.old_value),
                new_value=rules.loaded(change.new_value),
                reason=change.reason,
            )
            for change in changes
        ],
    )


async def finals_of_student(
    session: AsyncSession, student_id: uuid.UUID, year_id: uuid.UUID
) -> list[StudentFinal]:
    """A student's final marks of a year (removed ones left out), by subject, the periods in
    order and the year's last. No authorization: the caller (the diary) decides who reads."""
    rows = await session.execute(
        select(FinalMark, Subject.name, Period.kind, Period.number)
        .join(Subject, Subject.id == FinalMark.subject_id)
        .outerjoin(Period, Period.id == FinalMark.period_id)
        .where(
            FinalMark.student_id == student_id,
            FinalMark.year_id == year_id,
            FinalMark.value.is_not(None),
        )
        .order_by(Subject.name, Subject.id, Period.kind.nulls_last(), Period.number.nulls_last())
    )
    finals = []
    for row, subject_name, kind, number in rows:
        value = rules.loaded(row.value)
        assert value is not None
        finals.append(
            StudentFinal(
                subject_id=row.subject_id,
                subject_name=subject_name,
                year_id=row.year_id,
                period_id=row.period_id,
                period_kind=cast(PeriodKind | None, kind),
                period_number=number,
                value=value,
                version=row.version,
            )
        )
    return finals
