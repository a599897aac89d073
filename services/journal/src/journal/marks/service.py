"""Use cases of marks."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, exists, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from journal.lessons.service import LessonContext
from journal.marks.models import Mark, MarkChange
from journal.marks.schemas import MarkCreate
from journal.roster.models import Enrollment
from journal.school.models import WorkType
from shared.contracts.journal import MarkPosted
from shared.errors import Problem
from shared.outbox import add_event
from shared.security import User

POSTED = "posted"  # the history reason of a mark's first version


@dataclass(frozen=True)
class PostedMark:
    mark: Mark
    work_type: WorkType


async def post_mark(
    session: AsyncSession, user: User, lesson: LessonContext, data: MarkCreate
) -> PostedMark:
    """Give a student a mark on a lesson the caller teaches (authorized by the caller)."""
    # One round trip answers both questions: is the student in the lesson's class, and
    # which of the school's work types is meant.
    enrolled = (
        exists()
        .where(
            Enrollment.student_id == data.student_id,
            Enrollment.class_id == lesson.lesson.class_id,
            Enrollment.school_id == user.school_id,
            # A student who left the class later still has marks for lessons before.
            or_(Enrollment.left_at.is_(None), Enrollment.left_at >= lesson.lesson.date),
        )
        .label("enrolled")
    )
    one_row = select(literal(1).label("one")).subquery("one_row")
    row = (
        await session.execute(
            select(enrolled, WorkType)
            .select_from(one_row)
            .outerjoin(
                WorkType,
                and_(WorkType.school_id == user.school_id, WorkType.code == data.work_type),
            )
        )
    ).one()
    if not row.enrolled:
        raise Problem(
            422,
            "student-not-in-class",
            "Student not in class",
            "The student is not enrolled in this lesson's class.",
        )
    work_type: WorkType | None = row.WorkType
    if work_type is None:
        raise Problem(
            422,
            "unknown-work-type",
            "Unknown work type",
            "The school has no work type with this code.",
            work_type=data.work_type,
        )

    now = datetime.now(UTC)
    mark = Mark(
        id=uuid.uuid4(),
        school_id=user.school_id,
        lesson_id=lesson.lesson.id,
        student_id=data.student_id,
        work_type_id=work_type.id,
        value=data.value,
        posted_by=user.account_id,
        posted_at=now,
        version=1,
    )
    session.add(mark)
    session.add(
        MarkChange(
            id=uuid.uuid4(),
            school_id=user.school_id,
            mark_id=mark.id,
            version=mark.version,
            changed_by=user.account_id,
            changed_at=now,
            old_value=None,
            new_value=mark.value,
            old_work_type_id=None,
            new_work_type_id=work_type.id,
            reason=POSTED,
        )
    )
    await session.flush()
    await add_event(
        session,
        MarkPosted(
            school_id=user.school_id,
            version=mark.version,
            occurred_at=now,
            mark_id=mark.id,
            lesson_id=lesson.lesson.id,
            lesson_date=lesson.lesson.date,
            student_id=mark.student_id,
            class_id=lesson.lesson.class_id,
            subject_id=lesson.subject.id,
            subject_name=lesson.subject.name,
            teacher_id=lesson.assignment.teacher_id,
            value=mark.value,
            work_type=work_type.code,
            weight=work_type.weight,
            work_type_name=work_type.name,
        ),
    )
    return PostedMark(mark=mark, work_type=work_type)
