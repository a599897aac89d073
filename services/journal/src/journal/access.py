"""Who may do what: the role sets journal's rules are written in (DESIGN.md §2).

The token says who the caller is (roles, school, person, children); whether a teacher
teaches a class or leads it comes from journal's own data, in the domain services.
"""

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
