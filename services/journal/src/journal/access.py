"""Who may do what: the role sets journal's rules are written in (DESIGN.md §2).

The token says who the caller is (roles, school, person, children); whether a teacher
teaches a class or leads it comes from journal's own data, in the domain services.
"""

import uuid

from shared.errors import Forbidden
from shared.security import User

ADMINISTRATION = ("director", "deputy")
TEACHING = ("teacher", "class_teacher")
# Everyone who reads the journal of a school in some way (sysadmins do not read grades).
JOURNAL_READERS = (*ADMINISTRATION, *TEACHING, "student", "parent")
# The calendar is no one's grades: everyone in the school reads it, sysadmins included.
CALENDAR_READERS = (*JOURNAL_READERS, "sysadmin")


def require_role(user: User, *roles: str) -> None:
    """403 unless the caller holds one of `roles`."""
    if not user.has(*roles):
        raise Forbidden()


def is_teaching_staff(user: User) -> bool:
    return user.has(*TEACHING)


def require_own_teaching(user: User, teacher_id: uuid.UUID) -> None:
    """403 unless the caller is the teacher of the lesson (`teacher_id`: its substitute
    while it has one, else the assignment's teacher)."""
    # Same school, another teacher's work: 403, not 404. The timetable of one's own school
    # is no secret, so hiding the lesson protects nothing, and "not yours" tells the
    # teacher what went wrong. Other schools' lessons are 404 (they do not exist for you).
    if teacher_id != user.account_id:
        raise Forbidden("Only the teacher of this lesson writes it.")
