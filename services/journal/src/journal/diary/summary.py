"""The diary's period view and its years: what a family reads at the end of a quarter.

For one student and one period: per subject the current marks with their work types, the
weighted average (journal.grading.rules, the one rule of the whole system: current weights)
and the attendance; the programme's progress (thematic-plan topics held so far against the
plan); and the teachers' remarks of the period. The years list names every school year the
student was enrolled in (all are still held), with the periods that apply to their class.

Who sees what: the student, their parents, the administration and the class teacher of a
class the student was in during the period see every subject; a subject teacher of the
student's class sees only the subjects they teach there (and their own remarks); anyone
else gets 404, as if the student did not exist.
"""

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Select, Subquery, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from journal.access import ADMINISTRATION, JOURNAL_READERS, TEACHING, require_role
from journal.attendance.models import Attendance
from journal.calendar.models import AcademicYear, Period
from journal.calendar.rules import period_kind_for
from journal.calendar.service import school_today
from journal.curriculum.models import ThematicPlan, ThematicPlanItem
from journal.diary import schemas
from journal.finals.service import finals_of_student
from journal.grading.rules import weighted_average
from journal.grading.service import settings_of
from journal.homework.models import HomeworkAttachment
from journal.lessons.models import Lesson
from journal.marks.models import Mark
from journal.remarks.service import student_remarks
from journal.roster.models import Enrollment, SchoolClass, Student
from journal.school.models import WorkType
from journal.teaching.models import Assignment, Subject
from shared.errors import NotFound
from shared.security import User


@dataclass(frozen=True)
class Reader:
    """What the caller may read of one student: every subject, or only their own."""

    all_subjects: bool
    teacher_id: uuid.UUID | None  # set when only this teacher's subjects show


def _family(user: User, student_id: uuid.UUID) -> bool:
    return (user.has("student") and user.person_id == student_id) or (
        user.has("parent") and student_id in user.children
    )


def _classes_during(student_id: uuid.UUID, first: dt.date, last: dt.date) -> Select[uuid.UUID]:
    """The classes the student was enrolled in on some day of [first, last]."""
    return select(Enrollment.class_id).where(
        Enrollment.student_id == student_id,
        Enrollment.starts_on <= last,
        or_(Enrollment.ends_on.is_(None), Enrollment.ends_on >= first),
    )


async def _reader(
    session: AsyncSession, user: User, student_id: uuid.UUID, first: dt.date, last: dt.date
) -> Reader:
    require_role(user, *JOURNAL_READERS)
    student = await session.scalar(
        select(Student.id).where(Student.id == student_id, Student.school_id == user.school_id)
    )
    if student is None:
        raise NotFound("student")
    if _family(user, student_id) or user.has(*ADMINISTRATION):
        return Reader(all_subjects=True, teacher_id=None)
    if user.has(*TEACHING) and user.account_id is not None:
        classes = _classes_during(student_id, first, last)
        leads = await session.scalar(
            select(
                exists().where(
                    SchoolClass.id.in_(classes), SchoolClass.class_teacher_id == user.account_id
                )
            )
        )
        if leads:
            return Reader(all_subjects=True, teacher_id=None)
        teaches = await session.scalar(
            select(
                exists().where(
                    Assignment.class_id.in_(classes), Assignment.teacher_id == user.account_id
                )
            )
        )
        if teaches:
            return Reader(all_subjects=False, teacher_id=user.account_id)
    raise NotFound("student")


async def _period(session: AsyncSession, school_id: uuid.UUID, period_id: uuid.UUID) -> Period:
    period = await session.scalar(
        select(Period).where(Period.id == period_id, Period.school_id == school_id)
    )
    if period is None:
        raise NotFound("period")
    return period


async def period_summary(
    session: AsyncSession, user: User, student_id: uuid.UUID, period_id: uuid.UUID
) -> schemas.DiaryPeriod:
    period = await _period(session, user.school_id, period_id)
    first, last = period.starts_on, period.ends_on
    reader = await _reader(session, user, student_id, first, last)
    classes = _classes_during(student_id, first, last)
    assignments = select(Assignment.id, Assignment.subject_id).where(
        Assignment.class_id.in_(classes)
    )
    if reader.teacher_id is not None:
        assignments = assignments.where(Assignment.teacher_id == reader.teacher_id)
    assigned = assignments.subquery()

    subjects = {
        row.id: row.name
        for row in await session.execute(
            select(Subject.id, Subject.name)
            .where(Subject.id.in_(select(assigned.c.subject_id)))
            .order_by(Subject.name, Subject.id)
        )
    }
    marks: dict[uuid.UUID, list[schemas.DiaryPeriodMark]] = defaultdict(list)
    for row in await session.execute(
        select(
            Mark.id,
            Mark.value,
            Lesson.id.label("lesson_id"),
            Lesson.date,
            Lesson.subject_id,
            WorkType.code,
            WorkType.name,
            WorkType.weight,
        )
        .join(Lesson, Lesson.id == Mark.lesson_id)
        .join(WorkType, WorkType.id == Mark.work_type_id)
        .where(
            Mark.student_id == student_id,
            Mark.removed_at.is_(None),
            Lesson.assignment_id.in_(select(assigned.c.id)),
            Lesson.date.between(first, last),
        )
        .order_by(Lesson.date, Lesson.lesson_number.nulls_last(), Mark.posted_at, Mark.id)
    ):
        marks[row.subject_id].append(
            schemas.DiaryPeriodMark(
                mark_id=row.id,
                lesson_id=row.lesson_id,
                date=row.date,
                value=row.value,
                work_type=row.code,
                work_type_name=row.name,
                weight=row.weight,
            )
        )
    absences: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    for subject_id, code, missed in await session.execute(
        select(Lesson.subject_id, Attendance.code, func.count())
        .join(Lesson, Lesson.id == Attendance.lesson_id)
        .where(
            Attendance.student_id == student_id,
            Attendance.code.is_not(None),
            Lesson.assignment_id.in_(select(assigned.c.id)),
            Lesson.date.between(first, last),
        )
        .group_by(Lesson.subject_id, Attendance.code)
    ):
        if code is not None:
            absences[subject_id][code] = missed
    progress = await _programme(session, user.school_id, period, assigned, last)
    finals = {
        final.subject_id: final.value
        for final in await finals_of_student(session, student_id, period.year_id)
        if final.period_id == period.id
    }
    remarks = await student_remarks(session, user, student_id, first, last)
    return schemas.DiaryPeriod(
        student_id=student_id,
        period=schemas.DiaryPeriodRef(
            period_id=period.id,
            year_id=period.year_id,
            kind=period.kind,
            number=period.number,
            starts_on=first,
            ends_on=last,
        ),
        subjects=[
            schemas.DiarySubject(
                subject_id=subject_id,
                subject_name=name,
                marks=marks[subject_id],
                average=weighted_average((m.value, m.weight) for m in marks[subject_id]),
                absences=absences[subject_id],
                programme=progress.get(subject_id, schemas.DiaryProgramme(planned=0, held=0)),
                final_mark=finals.get(subject_id),
            )
            for subject_id, name in subjects.items()
        ],
        remarks=[
            schemas.DiaryRemark(
                remark_id=remark.id,
                kind=remark.kind,
                text=remark.text,
                date=remark.date,
                author_name=author,
            )
            for remark, author in remarks
        ],
    )


async def _programme(
    session: AsyncSession,
    school_id: uuid.UUID,
    period: Period,
    assigned: Subquery,
    last: dt.date,
) -> dict[uuid.UUID, schemas.DiaryProgramme]:
    """Per subject, the thematic-plan topics of the year and how many of them lessons held
    by the end of the period (or today, if earlier) have covered."""
    held_by = min(last, await school_today(session, school_id))
    assignment_ids = select(assigned.c.id)
    planned = {
        row.subject_id: row.planned
        for row in await session.execute(
            select(Assignment.subject_id, func.count(ThematicPlanItem.id).label("planned"))
            .join(ThematicPlan, ThematicPlan.assignment_id == Assignment.id)
            .join(ThematicPlanItem, ThematicPlanItem.plan_id == ThematicPlan.id)
            .where(Assignment.id.in_(assignment_ids), ThematicPlan.year_id == period.year_id)
            .group_by(Assignment.subject_id)
        )
    }
    held = {
        row.subject_id: row.held
        for row in await session.execute(
            select(Lesson.subject_id, func.count(func.distinct(Lesson.plan_item_id)).label("held"))
            .join(ThematicPlanItem, ThematicPlanItem.id == Lesson.plan_item_id)
            .join(
                ThematicPlan,
                and_(
                    ThematicPlan.id == ThematicPlanItem.plan_id,
                    ThematicPlan.year_id == period.year_id,
                ),
            )
            .where(Lesson.assignment_id.in_(assignment_ids), Lesson.date <= held_by)
            .group_by(Lesson.subject_id)
        )
    }
    return {
        subject: schemas.DiaryProgramme(planned=count, held=held.get(subject, 0))
        for subject, count in planned.items()
    }


async def year_finals(
    session: AsyncSession, user: User, student_id: uuid.UUID, year_id: uuid.UUID
) -> schemas.DiaryFinals:
    """The student's final marks of a year by subject: the periods' and the year's. A
    subject teacher sees only the subjects they teach the student."""
    year = await session.scalar(
        select(AcademicYear).where(
            AcademicYear.id == year_id, AcademicYear.school_id == user.school_id
        )
    )
    if year is None:
        raise NotFound("year")
    reader = await _reader(session, user, student_id, year.starts_on, year.ends_on)
    visible: set[uuid.UUID] | None = None
    if reader.teacher_id is not None:
        classes = _classes_during(student_id, year.starts_on, year.ends_on)
        visible = set(
            await session.scalars(
                select(Assignment.subject_id).where(
                    Assignment.class_id.in_(classes), Assignment.teacher_id == reader.teacher_id
                )
            )
        )
    subjects: dict[uuid.UUID, schemas.DiaryFinalsSubject] = {}
    for final in await finals_of_student(session, student_id, year_id):
        if visible is not None and final.subject_id not in visible:
            continue
        subject = subjects.setdefault(
            final.subject_id,
            schemas.DiaryFinalsSubject(
                subject_id=final.subject_id, subject_name=final.subject_name, finals=[]
            ),
        )
        subject.finals.append(
            schemas.DiaryFinal(
                period_id=final.period_id,
                kind=final.period_kind,
                number=final.period_number,
                value=final.value,
            )
        )
    return schemas.DiaryFinals(
        student_id=student_id, year_id=year_id, subjects=list(subjects.values())
    )


async def homework_due(
    session: AsyncSession,
    user: User,
    student_id: uuid.UUID,
    first: dt.date,
    last: dt.date,
) -> schemas.DiaryHomeworkDue:
    """The homework due between `first` and `last` (both included) from the lessons of the
    classes the student was in on each lesson's day, with its files. A subject teacher sees
    only their own subjects'."""
    reader = await _reader(session, user, student_id, first, last)
    enrolled = exists().where(
        Enrollment.student_id == student_id,
        Enrollment.class_id == Lesson.class_id,
        Enrollment.starts_on <= Lesson.date,
        or_(Enrollment.ends_on.is_(None), Enrollment.ends_on >= Lesson.date),
    )
    query = (
        select(Lesson, Subject.name)
        .join(Subject, Subject.id == Lesson.subject_id)
        .where(
            Lesson.school_id == user.school_id,
            Lesson.homework.is_not(None),
            Lesson.homework_due_on.between(first, last),
            enrolled,
        )
        .order_by(Lesson.homework_due_on, Subject.name, Lesson.date, Lesson.id)
    )
    if reader.teacher_id is not None:
        query = query.join(Assignment, Assignment.id == Lesson.assignment_id).where(
            Assignment.teacher_id == reader.teacher_id
        )
    lessons = [(lesson, name) for lesson, name in await session.execute(query)]
    files: dict[uuid.UUID, list[schemas.DiaryAttachment]] = defaultdict(list)
    if lessons:
        for row in await session.execute(
            select(
                HomeworkAttachment.id,
                HomeworkAttachment.lesson_id,
                HomeworkAttachment.file_name,
                HomeworkAttachment.content_type,
                HomeworkAttachment.size,
            )
            .where(HomeworkAttachment.lesson_id.in_([lesson.id for lesson, _ in lessons]))
            .order_by(HomeworkAttachment.uploaded_at, HomeworkAttachment.id)
        ):
            files[row.lesson_id].append(
                schemas.DiaryAttachment(
                    attachment_id=row.id,
                    file_name=row.file_name,
                    content_type=row.content_type,
                    size=row.size,
                    url=f"/api/journal/homework/attachments/{row.id}",
                )
            )
    return schemas.DiaryHomeworkDue(
        student_id=student_id,
        date_from=first,
        date_to=last,
        items=[
            schemas.DiaryHomework(
                lesson_id=lesson.id,
                lesson_date=lesson.date,
                due_on=lesson.homework_due_on or lesson.date,
                subject_id=lesson.subject_id,
                subject_name=name,
                text=lesson.homework or "",
                attachments=files[lesson.id],
            )
            for lesson, name in lessons
        ],
    )


async def student_years(
    session: AsyncSession, user: User, student_id: uuid.UUID
) -> schemas.DiaryYears:
    """Every school year the student was enrolled in, newest first, each with the class
    they were in and the periods that apply to it (quarters or halves by its level)."""
    reader_span = (dt.date.min, dt.date.max)
    await _reader(session, user, student_id, *reader_span)
    student = await session.get_one(Student, student_id)
    settings = await settings_of(session, user.school_id)
    rows = await session.execute(
        select(AcademicYear, SchoolClass)
        .join(
            Enrollment,
            and_(
                Enrollment.student_id == student_id,
                Enrollment.starts_on <= AcademicYear.ends_on,
                or_(Enrollment.ends_on.is_(None), Enrollment.ends_on >= AcademicYear.starts_on),
            ),
        )
        .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
        .where(AcademicYear.school_id == user.school_id)
        .order_by(AcademicYear.starts_on.desc(), Enrollment.starts_on.desc())
    )
    years: dict[uuid.UUID, tuple[AcademicYear, SchoolClass]] = {}
    for year, school_class in rows:
        years.setdefault(year.id, (year, school_class))  # the latest class of that year
    periods: dict[uuid.UUID, list[Period]] = defaultdict(list)
    if years:
        for period in await session.scalars(
            select(Period)
            .where(Period.year_id.in_(list(years)))
            .order_by(Period.kind, Period.number)
        ):
            periods[period.year_id].append(period)
    return schemas.DiaryYears(
        student_id=student_id,
        last_name=student.last_name,
        first_name=student.first_name,
        middle_name=student.middle_name,
        years=[
            schemas.DiaryYear(
                year_id=year.id,
                name=year.name,
                starts_on=year.starts_on,
                ends_on=year.ends_on,
                class_id=school_class.id,
                class_name=school_class.name,
                periods=[
                    schemas.DiaryPeriodRef(
                        period_id=p.id,
                        year_id=year.id,
                        kind=p.kind,
                        number=p.number,
                        starts_on=p.starts_on,
                        ends_on=p.ends_on,
                    )
                    for p in periods[year.id]
                    if p.kind == period_kind_for(school_class.grade, settings.half_year_grades)
                ],
            )
            for year, school_class in years.values()
        ],
    )
