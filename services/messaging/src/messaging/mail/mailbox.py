"""The mailbox a request works in, and its owner as the directory knows them (what the
rules of who may write to whom look at)."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.mail.addressing import help_mailbox
from messaging.mail.permissions import (
    Addressee,
    Kind,
    Sender,
    kind_of,
    mailbox_of,
)
from shared.errors import Forbidden
from shared.security import User

MailboxChoice = Literal["own", "help"]
Folder = Literal["inbox", "sent", "archive", "all"]


@dataclass(frozen=True)
class Mailbox:
    """The mailbox a request works in: the caller's own, or (a sysadmin's) the school's
    help mailbox; `kind` is how its messages are signed."""

    id: uuid.UUID
    school_id: uuid.UUID
    kind: Literal["staff", "student", "parent", "help"]


def open_mailbox(user: User, which: MailboxChoice = "own") -> Mailbox:
    """The caller's mailbox, or the help mailbox for the school's sysadmins (403 else)."""
    if which == "help":
        if not user.has("sysadmin"):
            raise Forbidden("Only the school's system administrators answer from «Помощь».")
        return Mailbox(help_mailbox(user.school_id), user.school_id, "help")
    return Mailbox(mailbox_of(user), user.school_id, kind_of(user))


def streamed_mailboxes(user: User) -> dict[str, uuid.UUID]:
    """The mailboxes whose unread count the caller's live stream carries: `inbox` (one's
    own, if one has a mailbox) and, for a sysadmin, `help`."""
    boxes: dict[str, uuid.UUID] = {}
    try:
        boxes["inbox"] = open_mailbox(user).id
    except Forbidden:
        return boxes
    if user.has("sysadmin"):
        boxes["help"] = help_mailbox(user.school_id)
    return boxes


def is_family(mailbox: Mailbox) -> bool:
    """A student's or a parent's mailbox (not staff, not «Помощь»)."""
    return mailbox.kind in ("student", "parent")


# --- the directory, as the rules need it ---------------------------------------------------

_FAMILY_CLASSES = text(
    """
SELECT s.class_id FROM directory_students s
WHERE s.student_id = :me AND s.school_id = :school AND s.class_id IS NOT NULL
UNION
SELECT s.class_id FROM directory_guardianships g
JOIN directory_students s ON s.student_id = g.student_id
WHERE g.guardian_id = :me AND g.linked AND g.school_id = :school AND s.class_id IS NOT NULL
"""
)

_ADDRESSEES = text(
    """
SELECT st.account_id AS id, 'staff' AS kind, CAST(st.roles AS text[]) AS roles,
       ARRAY(SELECT a.class_id FROM directory_assignments a
             WHERE a.teacher_id = st.account_id AND a.school_id = st.school_id) AS teaches,
       ARRAY(SELECT c.class_id FROM directory_classes c
             WHERE c.class_teacher_id = st.account_id AND c.school_id = st.school_id) AS leads
FROM directory_staff st
WHERE st.account_id = ANY(CAST(:ids AS uuid[])) AND st.school_id = :school
UNION ALL
SELECT s.student_id, 'student', CAST(NULL AS text[]), CAST(NULL AS uuid[]),
       CAST(NULL AS uuid[]) FROM directory_students s
WHERE s.student_id = ANY(CAST(:ids AS uuid[])) AND s.school_id = :school
  AND s.class_id IS NOT NULL
UNION ALL
SELECT DISTINCT g.guardian_id, 'parent', CAST(NULL AS text[]), CAST(NULL AS uuid[]),
       CAST(NULL AS uuid[]) FROM directory_guardianships g
WHERE g.guardian_id = ANY(CAST(:ids AS uuid[])) AND g.school_id = :school AND g.linked
"""
)


async def sender_of(session: AsyncSession, mailbox: Mailbox) -> Sender:
    """The writer with the classes the rules look at (a family's)."""
    if not is_family(mailbox):
        return Sender(mailbox.id, mailbox.school_id, "staff")
    rows = await session.scalars(_FAMILY_CLASSES, {"me": mailbox.id, "school": mailbox.school_id})
    kind: Kind = "parent" if mailbox.kind == "parent" else "student"
    return Sender(mailbox.id, mailbox.school_id, kind, frozenset(rows))


async def addressees(
    session: AsyncSession, school_id: uuid.UUID, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, Addressee]:
    """The people among `ids` the directory knows in this school (others are absent)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(_ADDRESSEES, {"ids": wanted, "school": school_id})
    found: dict[uuid.UUID, Addressee] = {}
    for row in rows:
        found.setdefault(
            row.id,
            Addressee(
                mailbox_id=row.id,
                school_id=school_id,
                kind=row.kind,
                roles=frozenset(row.roles or ()),
                teaches=frozenset(row.teaches or ()),
                leads=frozenset(row.leads or ()),
            ),
        )
    return found
