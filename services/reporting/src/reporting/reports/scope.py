"""The teaching assignments a report covers: those asked for, within the caller's reach."""

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.access import outside_reach, reach_of, school_assignment, school_class
from reporting.projections.tables import AssignmentRow, ClassRow, StaffRow
from reporting.reports.context import Grading
from shared.security import User


class ReportModel(BaseModel):
    """A report's answer: every field named (a key the report forgets to declare is a bug
    that tests catch, not a field silently dropped)."""

    model_config = ConfigDict(extra="forbid")


class AssignmentOut(ReportModel):
    """The teaching assignment a row of a report is about, with its names."""

    assignment_id: uuid.UUID
    teacher_id: uuid.UUID
    teacher_name: str | None
    class_id: uuid.UUID
    class_name: str | None
    subject_id: uuid.UUID
    subject_name: str | None


async def assignments_in_scope(
    session: AsyncSession,
    user: User,
    assignment_id: uuid.UUID | None,
    class_id: uuid.UUID | None,
) -> list[AssignmentRow]:
    """404 for another school's class or assignment, 403 for one outside the caller's reach;
    without a filter, every assignment the caller may see."""
    reach = await reach_of(session, user)
    if assignment_id is not None:
        assignment = await school_assignment(session, user, assignment_id)
        if not reach.sees_assignment(assignment):
            raise outside_reach("assignment")
        return [assignment]
    query = select(AssignmentRow).where(AssignmentRow.school_id == user.school_id)
    if class_id is not None:
        await school_class(session, user, class_id)
        query = query.where(AssignmentRow.class_id == class_id)
    found = [a for a in await session.scalars(query) if reach.sees_assignment(a)]
    if class_id is not None and not found:
        raise outside_reach("class")
    return found


async def labels(
    session: AsyncSession, school_id: uuid.UUID
) -> tuple[dict[Any, Any], dict[Any, Any]]:
    """Class names and teachers' names (as auth knows staff) of the school."""
    classes = {
        c.class_id: c
        for c in await session.scalars(select(ClassRow).where(ClassRow.school_id == school_id))
    }
    staff = {
        s.account_id: " ".join(p for p in (s.last_name, s.first_name, s.middle_name) if p)
        for s in await session.scalars(select(StaffRow).where(StaffRow.school_id == school_id))
    }
    return classes, staff


def assignment_fields(
    assignment: AssignmentRow, classes: dict[Any, Any], staff: dict[Any, Any]
) -> dict[str, Any]:
    klass = classes.get(assignment.class_id)
    return {
        "assignment_id": assignment.assignment_id,
        "teacher_id": assignment.teacher_id,
        "teacher_name": staff.get(assignment.teacher_id),
        "class_id": assignment.class_id,
        "class_name": klass.name if klass else None,
        "subject_id": assignment.subject_id,
        "subject_name": assignment.subject_name,
    }


def unmarked_classes(classes: dict[Any, ClassRow], grading: Grading) -> set[uuid.UUID]:
    """The school's classes taught without marks (by their level and the school's setting)."""
    return {klass for klass, row in classes.items() if not grading.marks_given(row.grade)}
