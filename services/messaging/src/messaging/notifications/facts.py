"""journal's, reporting's and archive's events as facts for the fan-out: what each one
tells, to whom, in which words. One handler per event type, each for a batch of its events."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from messaging.directory import service as directory
from messaging.notifications import projections, texts
from messaging.notifications.fanout import Fact, deliver, school_of
from shared.contracts.archive import YearSealed
from shared.contracts.journal import (
    AttendanceCleared,
    AttendanceMarked,
    FinalMarkRemoved,
    FinalMarkSet,
    HomeworkCleared,
    HomeworkSet,
    MarkChanged,
    MarkPosted,
    MarkRemoved,
    PeriodClosed,
    PeriodReopened,
)
from shared.contracts.reporting import CheckCompleted, ReportReady

AnyMark = MarkPosted | MarkChanged | MarkRemoved


async def _work_type_names(session: AsyncSession, events: Sequence[AnyMark]) -> dict[Any, str]:
    """Each mark's work type name: the event's, else the projected one, else the code."""
    missing = [(school_of(e), e.work_type) for e in events if not e.work_type_name]
    known = await projections.work_type_names(session, missing)
    return {
        e.event_id: e.work_type_name or known.get((school_of(e), e.work_type), e.work_type)
        for e in events
    }


def _mark_payload(event: AnyMark, work_type_name: str) -> dict[str, Any]:
    return {
        "mark_id": str(event.mark_id),
        "lesson_id": str(event.lesson_id),
        "lesson_date": event.lesson_date.isoformat(),
        "class_id": str(event.class_id),
        "subject_id": str(event.subject_id),
        "subject_name": event.subject_name,
        "teacher_id": str(event.teacher_id),
        "value": event.value,
        "work_type": event.work_type,
        "work_type_name": work_type_name,
        "weight": event.weight,
        "version": event.version,
    }


def _mark_text(event: AnyMark, name: str) -> tuple[str, str]:
    if isinstance(event, MarkChanged):
        return "mark_changed", texts.mark_changed_text(
            old_value=event.old_value,
            value=event.value,
            work_type_name=name,
            weight=event.weight,
            subject_name=event.subject_name,
            lesson_date=event.lesson_date,
        )
    if isinstance(event, MarkRemoved):
        return "mark_removed", texts.mark_removed_text(
            value=event.value,
            work_type_name=name,
            subject_name=event.subject_name,
            lesson_date=event.lesson_date,
        )
    return "mark_posted", texts.mark_posted_text(
        value=event.value,
        work_type_name=name,
        weight=event.weight,
        subject_name=event.subject_name,
        lesson_date=event.lesson_date,
    )


Notice = tuple[str, str, dict[str, Any], str]
"""A notice's aggregate, kind, what it carries (for the apps) and says (for people)."""


def mark_notice(event: AnyMark, work_type_name: str) -> Notice:
    """The notice of a new, corrected or removed mark."""
    kind, text = _mark_text(event, work_type_name)
    payload = _mark_payload(event, work_type_name)
    if isinstance(event, MarkChanged):
        payload["old_value"] = event.old_value
    return f"mark/{event.mark_id}", kind, payload, text


async def marks(session: AsyncSession, events: Sequence[AnyMark]) -> None:
    """A new, corrected or removed mark: the student and their parents."""
    await projections.keep_marks(session, events)
    names = await _work_type_names(session, events)
    facts = []
    for event in events:
        aggregate, kind, payload, text = mark_notice(event, names[event.event_id])
        facts.append(
            Fact(
                school_id=school_of(event),
                aggregate=aggregate,
                version=event.version,
                event_id=event.event_id,
                kind=kind,
                text=text,
                payload=payload,
                students=(event.student_id,),
                to_students=True,
            )
        )
    await deliver(session, facts)


def attendance_notice(event: AttendanceMarked | AttendanceCleared) -> Notice:
    """The notice of an absence or a lateness set, changed or cleared."""
    payload: dict[str, Any] = {
        "lesson_id": str(event.lesson_id),
        "lesson_date": event.lesson_date.isoformat(),
        "class_id": str(event.class_id),
        "subject_id": str(event.subject_id),
        "subject_name": event.subject_name,
        "teacher_id": str(event.teacher_id),
        "version": event.version,
    }
    if isinstance(event, AttendanceMarked):
        kind = "attendance_marked"
        payload["code"] = event.code
        text = texts.attendance_text(
            code=event.code, subject_name=event.subject_name, lesson_date=event.lesson_date
        )
    else:
        kind = "attendance_cleared"
        payload["old_code"] = event.old_code
        text = texts.attendance_cleared_text(
            old_code=event.old_code, subject_name=event.subject_name, lesson_date=event.lesson_date
        )
    return f"attendance/{event.lesson_id}:{event.student_id}", kind, payload, text


async def attendance(
    session: AsyncSession, events: Sequence[AttendanceMarked | AttendanceCleared]
) -> None:
    """An absence or a lateness, set, changed or cleared: the parents (the student knows)."""
    await projections.keep_attendance(session, events)
    facts = []
    for event in events:
        aggregate, kind, payload, text = attendance_notice(event)
        facts.append(
            Fact(
                school_id=school_of(event),
                aggregate=aggregate,
                version=event.version,
                event_id=event.event_id,
                kind=kind,
                text=text,
                payload=payload,
                students=(event.student_id,),
            )
        )
    await deliver(session, facts)


async def homework(session: AsyncSession, events: Sequence[HomeworkSet | HomeworkCleared]) -> None:
    """A homework set, changed or cleared: the class's students and their parents."""
    students = await projections.students_of_classes(session, (e.class_id for e in events))
    facts = []
    for event in events:
        payload: dict[str, Any] = {
            "lesson_id": str(event.lesson_id),
            "lesson_date": event.lesson_date.isoformat(),
            "class_id": str(event.class_id),
            "subject_id": str(event.subject_id),
            "teacher_id": str(event.teacher_id),
            "version": event.version,
        }
        if isinstance(event, HomeworkSet):
            kind = "homework_set"
            payload |= {
                "subject_name": event.subject_name,
                "text": event.text,
                "due_on": event.due_on.isoformat() if event.due_on else None,
                "attachments": [str(a.attachment_id) for a in event.attachments],
            }
            text = texts.homework_text(
                subject_name=event.subject_name,
                lesson_date=event.lesson_date,
                text=event.text,
                due_on=event.due_on,
                files=len(event.attachments),
            )
        else:
            kind = "homework_cleared"
            text = texts.homework_cleared_text(lesson_date=event.lesson_date)
        facts.append(
            Fact(
                school_id=school_of(event),
                aggregate=f"homework/{event.lesson_id}",
                version=event.version,
                event_id=event.event_id,
                kind=kind,
                text=text,
                payload=payload,
                students=tuple(students[event.class_id]),
                to_students=True,
            )
        )
    await deliver(session, facts)


async def final_marks(
    session: AsyncSession, events: Sequence[FinalMarkSet | FinalMarkRemoved]
) -> None:
    """A final mark of a period or the year, set, changed or removed: student and parents."""
    periods = await projections.periods_by_id(
        session, (e.period_id for e in events if e.period_id is not None)
    )
    facts = []
    for event in events:
        if event.period_id is None:
            label = "год"
        else:
            period = periods.get(event.period_id)
            label = texts.period_label(
                period.kind if period else None,
                period.number if period else None,
                accusative=True,
            )
        payload: dict[str, Any] = {
            "final_mark_id": str(event.final_mark_id),
            "class_id": str(event.class_id),
            "subject_id": str(event.subject_id),
            "subject_name": event.subject_name,
            "teacher_id": str(event.teacher_id),
            "year_id": str(event.year_id),
            "period_id": str(event.period_id) if event.period_id else None,
            "version": event.version,
        }
        if isinstance(event, FinalMarkSet):
            kind = "final_mark_set"
            payload |= {"value": event.value, "old_value": event.old_value}
            text = texts.final_mark_text(
                subject_name=event.subject_name, label=label, value=event.value, old=event.old_value
            )
        else:
            kind = "final_mark_removed"
            payload["old_value"] = event.old_value
            text = texts.final_mark_removed_text(
                subject_name=event.subject_name, label=label, old=event.old_value
            )
        facts.append(
            Fact(
                school_id=school_of(event),
                aggregate=f"final_mark/{event.final_mark_id}",
                version=event.version,
                event_id=event.event_id,
                kind=kind,
                text=text,
                payload=payload,
                students=(event.student_id,),
                to_students=True,
            )
        )
    await deliver(session, facts)


async def periods(session: AsyncSession, events: Sequence[PeriodClosed | PeriodReopened]) -> None:
    """A period closed: the students of the classes using its kind, and their parents. A
    reopening says nothing, but withdraws the closing notice."""
    facts = []
    for event in events:
        school = school_of(event)
        aggregate = f"period/{event.period_id}"
        if isinstance(event, PeriodReopened):
            facts.append(Fact(school, aggregate, event.version, event.event_id, None))
            continue
        classes = await projections.classes_using(session, school, event.kind)
        members = await projections.students_of_classes(session, classes)
        facts.append(
            Fact(
                school_id=school,
                aggregate=aggregate,
                version=event.version,
                event_id=event.event_id,
                kind="period_closed",
                text=texts.period_closed_text(
                    kind=event.kind,
                    number=event.number,
                    starts_on=event.starts_on,
                    ends_on=event.ends_on,
                ),
                payload={
                    "period_id": str(event.period_id),
                    "year_id": str(event.year_id),
                    "kind": event.kind,
                    "number": event.number,
                    "starts_on": event.starts_on.isoformat(),
                    "ends_on": event.ends_on.isoformat(),
                    "version": event.version,
                },
                students=tuple(s for c in classes for s in members[c]),
                to_students=True,
            )
        )
    await deliver(session, facts)


async def reports(session: AsyncSession, events: Sequence[ReportReady | CheckCompleted]) -> None:
    """A report or a quarter-end check's findings: the staff it names, by account."""
    facts = []
    for event in events:
        ready = isinstance(event, ReportReady)
        facts.append(
            Fact(
                school_id=school_of(event),
                aggregate=f"{'report' if ready else 'check'}/{event.report_id}",
                version=event.version,
                event_id=event.event_id,
                kind="report_ready" if ready else "check_completed",
                text=(
                    texts.report_ready_text(title=event.title)
                    if ready
                    else texts.check_completed_text(title=event.title)
                ),
                payload={
                    "report_id": str(event.report_id),
                    "report_kind": event.kind,
                    "period_id": str(event.period_id) if event.period_id else None,
                    "title": event.title,
                    "version": event.version,
                },
                accounts=tuple(event.recipients),
            )
        )
    await deliver(session, facts)


async def sealed_years(session: AsyncSession, events: Sequence[YearSealed]) -> None:
    """A closed year's journals sealed in the archive: the school's director and deputies
    (messaging's directory of staff, as it is when the news comes)."""
    administration = await directory.administration_of(session, {school_of(e) for e in events})
    facts = []
    for event in events:
        school = school_of(event)
        facts.append(
            Fact(
                school_id=school,
                aggregate=f"sealed_year/{event.year_id}",
                version=event.version,
                event_id=event.event_id,
                kind="year_sealed",
                text=texts.year_sealed_text(name=event.name, class_journals=event.class_journals),
                payload={
                    "year_id": str(event.year_id),
                    "name": event.name,
                    "ends_on": event.ends_on.isoformat(),
                    "sealed_at": event.sealed_at.isoformat(),
                    "class_journals": event.class_journals,
                    "files": event.files,
                    "manifest_sha256": event.manifest_sha256,
                    "version": event.version,
                    # the web client's screen of the sealed year (web/src/features/archive)
                    "link": f"/archive/years/{event.year_id}",
                },
                accounts=tuple(administration.get(school, ())),
            )
        )
    await deliver(session, facts)
