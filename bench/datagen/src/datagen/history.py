"""The events a generated school's year would have published, built with the real
contracts, in the order they happened.

Each is published by the service its routing key names (auth, journal) and received by
every consumer whose queue is bound to it (shared.topology, from the consumers' own
registrations): the writers derive the outbox, the inboxes, reporting's log, the archive
and the projections from this one history, so no consumer gets an event it never
subscribes to.
"""

import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from datagen.school import (
    TIMEZONE,
    WORK_TYPES,
    Attendance,
    GeneratedSchool,
    Mark,
)
from journal.calendar.rules import year_name
from journal.curriculum.rules import weeks_in_year, yearly_hours
from shared.contracts.auth import CredentialsIssued, SchoolRegistered, StaffAccountCreated
from shared.contracts.journal import (
    AssignmentMade,
    AttendanceCleared,
    AttendanceMarked,
    ClassOpened,
    CurriculumChanged,
    CurriculumSubjectHours,
    GuardianLinked,
    MarkChanged,
    MarkPosted,
    MarkRemoved,
    RemarkWritten,
    StudentEnrolled,
    StudentEnrolledV2,
    ThematicPlanChanged,
    ThematicPlanItem,
    WorkTypeChanged,
    YearCalendarChanged,
    YearHoliday,
    YearPeriod,
)
from shared.events import Event


def event_id(school: GeneratedSchool, fact: str) -> uuid.UUID:
    """A stable id for an event the school's data names no id for."""
    return uuid.uuid5(school.id, fact)


def year_id_of(school: GeneratedSchool) -> uuid.UUID:
    """The id of the school's academic year in journal."""
    return uuid.uuid5(school.id, f"year:{school.year.start_year}")


def period_id(school: GeneratedSchool, kind: str, number: int) -> uuid.UUID:
    return uuid.uuid5(year_id_of(school), f"{kind}:{number}")


def holiday_id(school: GeneratedSchool, first: object) -> uuid.UUID:
    return uuid.uuid5(year_id_of(school), f"holiday:{first}")


def enrollment_id(school: GeneratedSchool, student_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(school.id, f"enrollment:{student_id}")


def work_type_event_id(school: GeneratedSchool, code: str) -> uuid.UUID:
    return event_id(school, f"work-type:{code}")


def _mark_fields(school: GeneratedSchool, mark: Mark) -> dict[str, object]:
    assignment = mark.lesson.assignment
    return {
        "school_id": school.id,
        "mark_id": mark.id,
        "lesson_id": mark.lesson.id,
        "lesson_date": mark.lesson.date,
        "student_id": mark.student.id,
        "class_id": assignment.school_class.id,
        "subject_id": assignment.subject.id,
        "subject_name": assignment.subject.name,
        "teacher_id": assignment.teacher.id,
    }


def mark_posted(school: GeneratedSchool, mark: Mark) -> MarkPosted:
    return MarkPosted(
        event_id=mark.event_id,
        occurred_at=mark.posted_at,
        **_mark_fields(school, mark),
        value=mark.value,
        work_type=mark.work_type,
        weight=WORK_TYPES[mark.work_type].weight,
        work_type_name=WORK_TYPES[mark.work_type].name,
    )


def mark_corrected(school: GeneratedSchool, mark: Mark) -> Iterator[MarkChanged | MarkRemoved]:
    """The events of a mark's corrections, as journal's marks.service publishes them."""
    value, work = mark.value, mark.work_type
    for version, change in enumerate(mark.corrections, start=2):
        stamp = {"event_id": change.event_id, "occurred_at": change.at, "version": version}
        if change.value is None:
            yield MarkRemoved(
                **stamp,
                **_mark_fields(school, mark),
                value=value,
                work_type=work,
                weight=WORK_TYPES[work].weight,
                work_type_name=WORK_TYPES[work].name,
            )
            continue
        assert isinstance(change.value, int) and change.work_type is not None
        yield MarkChanged(
            **stamp,
            **_mark_fields(school, mark),
            value=change.value,
            work_type=change.work_type,
            weight=WORK_TYPES[change.work_type].weight,
            work_type_name=WORK_TYPES[change.work_type].name,
            old_value=value,
            old_work_type=work,
        )
        value, work = change.value, change.work_type


def attendance_events(
    school: GeneratedSchool, cell: Attendance
) -> Iterator[AttendanceMarked | AttendanceCleared]:
    """A cell's events, as journal's attendance.service publishes them."""
    lesson, old = cell.lesson, None
    assignment = lesson.assignment
    for version, change in enumerate(cell.changes, start=1):
        fields = {
            "event_id": change.event_id,
            "occurred_at": change.at,
            "school_id": school.id,
            "version": version,
            "lesson_id": lesson.id,
            "lesson_date": lesson.date,
            "student_id": cell.student.id,
            "class_id": assignment.school_class.id,
            "subject_id": assignment.subject.id,
            "subject_name": assignment.subject.name,
            "teacher_id": assignment.teacher.id,
        }
        if change.value is None:
            assert old is not None
            yield AttendanceCleared(**fields, old_code=old)
        else:
            yield AttendanceMarked(**fields, code=change.value, old_code=old)
        old = change.value


def setup_events(school: GeneratedSchool) -> Iterator[Event]:
    """Everything before the first lesson: the school, its staff and work types, the
    year's calendar and curriculum, classes, roster, credentials and thematic plans."""
    at = school.registered_at
    sid = school.id

    def stamp(fact: str, minutes: int) -> dict[str, object]:
        return {
            "event_id": event_id(school, fact),
            "occurred_at": at + timedelta(minutes=minutes),
            "school_id": sid,
        }

    yield SchoolRegistered(**stamp("school", 0), name=school.name, timezone=TIMEZONE)
    for member in school.staff:
        yield StaffAccountCreated(
            **stamp(f"staff:{member.id}", 5),
            account_id=member.id,
            last_name=member.last_name,
            first_name=member.first_name,
            middle_name=member.middle_name,
            roles=member.roles,
        )
    # Journal gives a new school its work types when it hears of the school.
    for work_type in WORK_TYPES.values():
        yield WorkTypeChanged(
            event_id=work_type_event_id(school, work_type.code),
            occurred_at=at + timedelta(seconds=1),
            school_id=sid,
            work_type_id=school.work_type_ids[work_type.code],
            code=work_type.code,
            name=work_type.name,
            weight=work_type.weight,
            active=True,
        )
    year = school.year
    kind_order = {"quarter": 0, "trimester": 1, "half": 2}
    yield YearCalendarChanged(
        **stamp("year", 30),
        year_id=year_id_of(school),
        name=year_name(year.first_day, year.last_day),
        starts_on=year.first_day,
        ends_on=year.last_day,
        periods=[
            YearPeriod(
                period_id=period_id(school, kind, number),
                kind=kind,
                number=number,
                starts_on=first,
                ends_on=last,
            )
            for kind, number, first, last in sorted(
                year.periods(), key=lambda p: (kind_order.get(p[0], 9), p[1])
            )
        ],
        holidays=[
            YearHoliday(name=name, starts_on=first, ends_on=last)
            for name, first, last in sorted(year.named_holidays(), key=lambda h: h[1])
        ],
    )
    for school_class in school.classes:
        yield ClassOpened(
            **stamp(f"class:{school_class.id}", 60),
            class_id=school_class.id,
            name=school_class.name,
            grade=school_class.grade,
            class_teacher_id=school_class.class_teacher.id if school_class.class_teacher else None,
        )
    for a in school.assignments:
        yield AssignmentMade(
            **stamp(f"assignment:{a.id}", 90),
            assignment_id=a.id,
            teacher_id=a.teacher.id,
            class_id=a.school_class.id,
            subject_id=a.subject.id,
            subject_name=a.subject.name,
        )
    for grade, subjects in curriculum_of(school):
        yield CurriculumChanged(
            **stamp(f"curriculum:{grade}", 100),
            year_id=year_id_of(school),
            grade=grade,
            weeks=weeks_in_year(grade),
            subjects=[
                CurriculumSubjectHours(
                    subject_id=subject_id,
                    weekly_hours=float(weekly),
                    yearly_hours=float(yearly_hours(weekly, grade)),
                )
                for subject_id, weekly in subjects
            ],
        )
    for student in school.students:
        assert student.class_id is not None
        yield StudentEnrolled(
            **stamp(f"enrolled:{student.id}", 120),
            student_id=student.id,
            class_id=student.class_id,
        )
        yield StudentEnrolledV2(
            **stamp(f"enrolled-v2:{student.id}", 120),
            student_id=student.id,
            class_id=student.class_id,
            enrollment_id=enrollment_id(school, student.id),
            starts_on=at.date(),
        )
    for guardian in school.guardians:
        for student in school.students:
            if guardian in student.guardians:
                yield GuardianLinked(
                    **stamp(f"linked:{guardian.id}:{student.id}", 125),
                    guardian_id=guardian.id,
                    student_id=student.id,
                )
    for person, kind in [
        *((s, "student") for s in school.students),
        *((g, "parent") for g in school.guardians),
    ]:
        assert person.account_id is not None
        yield CredentialsIssued(
            **stamp(f"credentials:{person.id}", 24 * 60),
            account_id=person.account_id,
            person_id=person.id,
            kind=kind,
        )
    for plan in school.plans:
        a = plan.assignment
        yield ThematicPlanChanged(
            event_id=event_id(school, f"plan:{plan.id}"),
            occurred_at=plan.written_at,
            school_id=sid,
            plan_id=plan.id,
            assignment_id=a.id,
            year_id=year_id_of(school),
            class_id=a.school_class.id,
            subject_id=a.subject.id,
            planned_hours=sum(i.hours for i in plan.items),
            items=[
                ThematicPlanItem(
                    item_id=i.id,
                    position=i.position,
                    topic=i.topic,
                    hours=i.hours,
                    work_type=i.work_type,
                    planned_week=i.planned_week,
                )
                for i in plan.items
            ],
        )


def curriculum_of(school: GeneratedSchool) -> list[tuple[int, list[tuple[uuid.UUID, Decimal]]]]:
    """Each class level's subjects and weekly hours, in journal's order (by name)."""
    levels = []
    for grade in sorted({c.grade for c in school.classes}):
        subjects = sorted(
            (s for s in school.subjects if s.curriculum.hours.get(grade)), key=lambda s: s.name
        )
        levels.append((grade, [(s.id, Decimal(s.curriculum.hours[grade])) for s in subjects]))
    return levels


def year_events(school: GeneratedSchool, posted: Sequence[MarkPosted]) -> Iterator[Event]:
    """The year's teaching: marks posted and corrected, attendance, remarks."""
    yield from posted
    for mark in school.marks:
        yield from mark_corrected(school, mark)
    for cell in school.attendance:
        yield from attendance_events(school, cell)
    for remark in school.remarks:
        yield RemarkWritten(
            event_id=remark.event_id,
            occurred_at=remark.written_at,
            school_id=school.id,
            remark_id=remark.id,
            student_id=remark.student.id,
            class_id=remark.school_class.id,
            author_id=remark.author.id,
            kind=remark.kind,
            on=remark.date,
        )


def history(school: GeneratedSchool, posted: Sequence[MarkPosted]) -> list[Event]:
    """Every event of the school's year in the order it happened."""
    return [*setup_events(school), *sorted(year_events(school, posted), key=_when)]


def _when(event: Event) -> datetime:
    return event.occurred_at


def marks_posted(school: GeneratedSchool) -> list[MarkPosted]:
    """The MarkPosted event of each of the school's marks, in the order of `school.marks`."""
    return [mark_posted(school, mark) for mark in school.marks]


def received_at(event: Event) -> datetime:
    """When a consumer would have received it: a moment after it happened."""
    return event.occurred_at + timedelta(milliseconds=40)
