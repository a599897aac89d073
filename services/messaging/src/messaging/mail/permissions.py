"""Who may write to whom (the rules live here once; docs/architecture.md names them).

- Staff write to anyone of their school: staff, students, parents, and addressing groups.
- A parent writes to the teachers of their children's classes, to those classes' class
  teachers and to the administration (director, deputy); a student likewise for their own
  class. Families address people only, never groups.
- Everyone writes to their school's help mailbox (the sysadmins).
- Nobody writes across schools; a reply goes back to the sender of a message one received
  (so a parent answers a teacher who wrote to them even if they do not teach the child).

A person the caller may not write to and a person who does not exist get the same answer,
so the rules never tell whether an id belongs to someone.
"""

import uuid
from dataclasses import dataclass, field
from typing import Literal

from shared.errors import Forbidden
from shared.security import User

STAFF_ROLES = frozenset({"sysadmin", "director", "deputy", "teacher", "class_teacher"})
ADMINISTRATION = frozenset({"director", "deputy"})

Kind = Literal["staff", "student", "parent"]


def kind_of(user: User) -> Kind:
    """What a caller writes as: staff if they hold a staff role, else a parent or a student."""
    if user.has(*STAFF_ROLES):
        return "staff"
    if user.has("parent") and user.person_id is not None:
        return "parent"
    if user.has("student") and user.person_id is not None:
        return "student"
    raise Forbidden("Only the school's staff, students and parents have mailboxes.")


def mailbox_of(user: User) -> uuid.UUID:
    """The caller's own mailbox: a staff member's account, a student's or parent's roster id."""
    if kind_of(user) == "staff" or user.person_id is None:
        return user.account_id
    return user.person_id


@dataclass(frozen=True)
class Sender:
    """The writer as the directory knows them: `classes` are a student's class or the
    classes of a parent's children (empty for staff)."""

    mailbox_id: uuid.UUID
    school_id: uuid.UUID
    kind: Kind
    classes: frozenset[uuid.UUID] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Addressee:
    """A person someone wants to write to, as the directory knows them: for staff their
    roles, the classes they teach and the classes they lead."""

    mailbox_id: uuid.UUID
    school_id: uuid.UUID
    kind: Kind
    roles: frozenset[str] = field(default_factory=frozenset)
    teaches: frozenset[uuid.UUID] = field(default_factory=frozenset)
    leads: frozenset[uuid.UUID] = field(default_factory=frozenset)


def may_write(sender: Sender, addressee: Addressee) -> bool:
    """Whether the sender may write to this person (a new message, not a reply)."""
    if addressee.school_id != sender.school_id:
        return False
    if sender.kind == "staff":
        return True
    if addressee.kind != "staff":
        return False  # a family never writes to another family, nor to other students
    if addressee.roles & ADMINISTRATION:
        return True
    return bool((addressee.teaches | addressee.leads) & sender.classes)


def may_address_groups(sender: Sender) -> bool:
    """Only staff address groups: a family member never reaches (or learns of) other
    families through one."""
    return sender.kind == "staff"
