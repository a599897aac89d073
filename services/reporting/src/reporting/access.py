"""Who may see what (DESIGN.md §2): the director and the deputies the whole school; a
class teacher everything of their class; a teacher their own teaching assignments; a
student and the parents only the student's report card; a district inspector only the
district's aggregates, without names. Decided here from the token and the projections,
never from the client's word."""

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.projections.tables import AssignmentRow, ClassRow
from shared.errors import Forbidden, NotFound
from shared.security import User

SCHOOL_READERS = ("director", "deputy")
STAFF_READERS = ("director", "deputy", "teacher", "class_teacher")
INSPECTOR = "district_inspector"
FAMILY = ("student", "parent")


@dataclass(frozen=True)
class Reach:
    """The part of a school a member of staff may see."""

    whole_school: bool
    led_classes: frozenset[uuid.UUID] = field(default_factory=frozenset)
    assignments: frozenset[uuid.UUID] = field(default_factory=frozenset)
    # (class, subject) of the caller's own assignments.
    taught: frozenset[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=frozenset)

    def sees_group(self, class_id: uuid.UUID, subject_id: uuid.UUID) -> bool:
        return (
            self.whole_school
            or class_id in self.led_classes
            or (class_id, subject_id) in self.taught
        )

    def sees_class(self, class_id: uuid.UUID) -> bool:
        """Everything of a class (its attendance, its whole progress)."""
        return self.whole_school or class_id in self.led_classes

    def sees_assignment(self, assignment: AssignmentRow) -> bool:
        return (
            self.whole_school
            or assignment.class_id in self.led_classes
            or assignment.assignment_id in self.assignments
        )


async def reach_of(session: AsyncSession, user: User) -> Reach:
    """What a member of staff may see; 403 for anyone else (families, inspectors)."""
    if user.has(*SCHOOL_READERS):
        return Reach(whole_school=True)
    if not user.has("teacher", "class_teacher"):
        raise Forbidden("Only the school's staff see its reports.")
    led = await session.scalars(
        select(ClassRow.class_id).where(
            ClassRow.school_id == user.school_id, ClassRow.class_teacher_id == user.account_id
        )
    )
    own = (
        await session.execute(
            select(
                AssignmentRow.assignment_id, AssignmentRow.class_id, AssignmentRow.subject_id
            ).where(
                AssignmentRow.school_id == user.school_id,
                AssignmentRow.teacher_id == user.account_id,
            )
        )
    ).all()
    return Reach(
        whole_school=False,
        led_classes=frozenset(led),
        assignments=frozenset(a for a, _, _ in own),
        taught=frozenset((c, s) for _, c, s in own),
    )


async def school_class(session: AsyncSession, user: User, class_id: uuid.UUID) -> ClassRow:
    """A class of the caller's school (404 for another school's or an unknown one)."""
    klass = await session.get(ClassRow, class_id)
    if klass is None or klass.school_id != user.school_id:
        raise NotFound("class")
    return klass


async def school_assignment(
    session: AsyncSession, user: User, assignment_id: uuid.UUID
) -> AssignmentRow:
    assignment = await session.get(AssignmentRow, assignment_id)
    if assignment is None or assignment.school_id != user.school_id:
        raise NotFound("assignment")
    return assignment


def outside_reach(what: str) -> Forbidden:
    return Forbidden(f"This {what} is outside what your role lets you see.")


def require_inspector(user: User) -> None:
    if not user.has(INSPECTOR):
        raise Forbidden("Only district inspectors see the district's aggregates.")
