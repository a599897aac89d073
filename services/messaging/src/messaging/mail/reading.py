"""Reading one's own mailbox: folders and search, messages and threads as their reader may
see them, unread counts, read receipts, files, and whom one may write to."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.mail import addressing
from messaging.mail.addressing import help_mailbox
from messaging.mail.mailbox import (
    Folder,
    Mailbox,
    MailboxChoice,
    is_family,
    open_mailbox,
    sender_of,
)
from messaging.mail.permissions import (
    Addressee,
    may_address_groups,
    may_write,
)
from messaging.mail.schemas import (
    AttachmentOut,
    Contact,
    Contacts,
    GroupOption,
    MessageOut,
    MessagePage,
    MessageSummary,
    Party,
    Receipt,
    Receipts,
    ThreadOut,
    UnreadCounts,
)
from shared.errors import NotFound
from shared.security import User

# --- reading -------------------------------------------------------------------------------

# One text for every folder and search: the caller's entries narrow by the mailbox first
# (its index), the folder and the Russian full-text match filter them.
_LIST = text(
    """
SELECT m.id, m.thread_id, e.folder, m.subject, left(m.body, 200) AS snippet, m.sender_id,
       m.sender_kind, m.sent_at, e.read_at, e.archived_at,
       (SELECT count(*) FROM mail_attachments a WHERE a.message_id = m.id) AS attachments
FROM mailbox_entries e JOIN mail_messages m ON m.id = e.message_id
WHERE e.mailbox_id = :mailbox AND e.school_id = :school
  AND (CAST(:folder AS text) = 'all'
       OR (CAST(:folder AS text) = 'archive' AND e.archived_at IS NOT NULL)
       OR (e.folder = CAST(:folder AS text) AND e.archived_at IS NULL))
  AND (CAST(:q AS text) IS NULL
       OR m.search @@ websearch_to_tsquery('russian', CAST(:q AS text)))
ORDER BY e.delivered_at DESC, m.id DESC
LIMIT :limit OFFSET :offset
"""
)
_COUNT = text(
    """
SELECT count(*)
FROM mailbox_entries e JOIN mail_messages m ON m.id = e.message_id
WHERE e.mailbox_id = :mailbox AND e.school_id = :school
  AND (CAST(:folder AS text) = 'all'
       OR (CAST(:folder AS text) = 'archive' AND e.archived_at IS NOT NULL)
       OR (e.folder = CAST(:folder AS text) AND e.archived_at IS NULL))
  AND (CAST(:q AS text) IS NULL
       OR m.search @@ websearch_to_tsquery('russian', CAST(:q AS text)))
"""
)


async def list_messages(
    session: AsyncSession,
    user: User,
    *,
    folder: Folder,
    query: str | None,
    limit: int,
    offset: int,
    which: MailboxChoice = "own",
) -> MessagePage:
    """A folder of the mailbox, newest first; `query` searches subjects and bodies
    (Russian stemming: «оценки» finds «оценка»)."""
    mailbox = open_mailbox(user, which)
    params: dict[str, Any] = {
        "mailbox": mailbox.id,
        "school": mailbox.school_id,
        "folder": folder,
        "q": query if query and query.strip() else None,
        "limit": limit,
        "offset": offset,
    }
    rows = (await session.execute(_LIST, params)).all()
    total = await session.scalar(_COUNT, params)
    senders = await _parties(session, mailbox, [(r.sender_id, r.sender_kind) for r in rows])
    return MessagePage(
        items=[
            MessageSummary(
                id=r.id,
                thread_id=r.thread_id,
                folder=r.folder,
                subject=r.subject,
                snippet=r.snippet,
                sender=senders[r.sender_id],
                sent_at=r.sent_at,
                read_at=r.read_at,
                archived_at=r.archived_at,
                attachments=r.attachments,
            )
            for r in rows
        ],
        total=total or 0,
        limit=limit,
        offset=offset,
    )


_STAFF_NAMES = text(
    "SELECT account_id, last_name, first_name, middle_name FROM directory_staff "
    "WHERE account_id = ANY(CAST(:ids AS uuid[])) AND school_id = :school"
)
_CLASS_NAMES = text(
    "SELECT class_id, name FROM directory_classes "
    "WHERE class_id = ANY(CAST(:ids AS uuid[])) AND school_id = :school"
)
_KINDS = text(
    """
SELECT account_id AS id, 'staff' AS kind FROM directory_staff
WHERE account_id = ANY(CAST(:ids AS uuid[])) AND school_id = :school
UNION
SELECT student_id, 'student' FROM directory_students
WHERE student_id = ANY(CAST(:ids AS uuid[])) AND school_id = :school
UNION
SELECT guardian_id, 'parent' FROM directory_guardianships
WHERE guardian_id = ANY(CAST(:ids AS uuid[])) AND school_id = :school
"""
)


def full_name(last: str, first: str, middle: str | None) -> str:
    return " ".join(part for part in (last, first, middle) if part)


async def _parties(
    session: AsyncSession, mailbox: Mailbox, people: Iterable[tuple[uuid.UUID, str | None]]
) -> dict[uuid.UUID, Party]:
    """How each mailbox id shows: staff by name, help as «Помощь», families by kind."""
    wanted = dict(people)
    help_id = help_mailbox(mailbox.school_id)
    unknown_kinds = [i for i, k in wanted.items() if k is None and i != help_id]
    if unknown_kinds:
        for row in await session.execute(
            _KINDS, {"ids": unknown_kinds, "school": mailbox.school_id}
        ):
            wanted[row.id] = row.kind
    staff = [i for i, k in wanted.items() if k == "staff"]
    names: dict[uuid.UUID, str] = {}
    if staff:
        for row in await session.execute(_STAFF_NAMES, {"ids": staff, "school": mailbox.school_id}):
            names[row.account_id] = full_name(row.last_name, row.first_name, row.middle_name)
    found: dict[uuid.UUID, Party] = {}
    for person, kind in wanted.items():
        if person == help_id or kind == "help":
            found[person] = Party(kind="help", id=help_id, name=addressing.HELP_NAME)
        elif kind == "staff":
            found[person] = Party(kind="staff", id=person, name=names.get(person))
        elif kind in ("student", "parent"):
            found[person] = Party(kind=kind, id=person)
        else:
            found[person] = Party(kind="person", id=person)  # no longer in the directory
    return found


_MESSAGES = text(
    """
SELECT m.id, m.thread_id, e.folder, m.subject, m.body, m.sender_id, m.sender_kind,
       m.addressed, m.sent_at, e.read_at, e.archived_at
FROM mailbox_entries e JOIN mail_messages m ON m.id = e.message_id
WHERE e.mailbox_id = :mailbox AND e.school_id = :school
  AND (m.id = :message OR CAST(:message AS uuid) IS NULL)
  AND (e.thread_id = :thread OR CAST(:thread AS uuid) IS NULL)
ORDER BY m.sent_at, m.id
"""
)
_ATTACHMENTS = text(
    "SELECT id, message_id, file_name, content_type, size FROM mail_attachments "
    "WHERE message_id = ANY(CAST(:ids AS uuid[])) ORDER BY file_name, id"
)


async def _views(
    session: AsyncSession,
    mailbox: Mailbox,
    *,
    message_id: uuid.UUID | None = None,
    thread_id: uuid.UUID | None = None,
) -> list[MessageOut]:
    rows = (
        await session.execute(
            _MESSAGES,
            {
                "mailbox": mailbox.id,
                "school": mailbox.school_id,
                "message": message_id,
                "thread": thread_id,
            },
        )
    ).all()
    if not rows:
        return []
    files: dict[uuid.UUID, list[AttachmentOut]] = {}
    for a in await session.execute(_ATTACHMENTS, {"ids": [r.id for r in rows]}):
        files.setdefault(a.message_id, []).append(
            AttachmentOut(id=a.id, file_name=a.file_name, content_type=a.content_type, size=a.size)
        )
    people: dict[uuid.UUID, str | None] = {}
    class_ids: set[uuid.UUID] = set()
    for r in rows:
        people[r.sender_id] = r.sender_kind
        for a in r.addressed:
            if a["kind"] == "person":
                people.setdefault(uuid.UUID(a["id"]), None)
            elif a["kind"] == "class":
                class_ids.add(uuid.UUID(a["class_id"]))
    parties = await _parties(session, mailbox, people.items())
    class_names: dict[uuid.UUID, str] = {}
    if class_ids:
        for c in await session.execute(
            _CLASS_NAMES, {"ids": sorted(class_ids), "school": mailbox.school_id}
        ):
            class_names[c.class_id] = c.name
    views = []
    for r in rows:
        shown, hidden = _recipients_shown(mailbox, r.addressed, parties, class_names)
        views.append(
            MessageOut(
                id=r.id,
                thread_id=r.thread_id,
                folder=r.folder,
                subject=r.subject,
                body=r.body,
                sender=parties[r.sender_id],
                recipients=shown,
                hidden_recipients=hidden,
                sent_at=r.sent_at,
                read_at=r.read_at,
                archived_at=r.archived_at,
                attachments=files.get(r.id, []),
            )
        )
    return views


def _recipients_shown(
    mailbox: Mailbox,
    addressed: list[dict[str, Any]],
    parties: dict[uuid.UUID, Party],
    class_names: dict[uuid.UUID, str],
) -> tuple[list[Party], int]:
    """What the reader sees of the addressees: groups by name; to a family, no one of
    another family (neither their id nor their kind), only how many were left out."""
    shown: list[Party] = []
    hidden = 0
    for a in addressed:
        if a["kind"] == "person":
            party = parties[uuid.UUID(a["id"])]
            if is_family(mailbox) and party.kind != "staff" and party.id != mailbox.id:
                hidden += 1
                continue
            shown.append(party)
        elif a["kind"] == "help":
            shown.append(Party(kind="help", name=addressing.HELP_NAME))
        else:
            shown.append(Party(kind="group", name=addressing.group_name(a, class_names)))
    return shown, hidden


async def message_view(
    session: AsyncSession, mailbox: Mailbox, message_id: uuid.UUID
) -> MessageOut:
    views = await _views(session, mailbox, message_id=message_id)
    if not views:
        raise NotFound("message")
    return views[0]


async def get_message(
    session: AsyncSession, user: User, message_id: uuid.UUID, which: MailboxChoice = "own"
) -> MessageOut:
    return await message_view(session, open_mailbox(user, which), message_id)


async def get_thread(
    session: AsyncSession, user: User, thread_id: uuid.UUID, which: MailboxChoice = "own"
) -> ThreadOut:
    """The thread's messages this mailbox holds, oldest first (404 if it holds none)."""
    mailbox = open_mailbox(user, which)
    views = await _views(session, mailbox, thread_id=thread_id)
    if not views:
        raise NotFound("thread")
    return ThreadOut(id=thread_id, subject=views[0].subject, messages=views)


_UNREAD = text(
    "SELECT count(*) FROM mailbox_entries WHERE mailbox_id = :mailbox AND school_id = :school "
    "AND folder = 'inbox' AND read_at IS NULL AND archived_at IS NULL"
)


async def unread_counts(session: AsyncSession, user: User) -> UnreadCounts:
    own = open_mailbox(user)
    inbox = await session.scalar(_UNREAD, {"mailbox": own.id, "school": own.school_id})
    counts = UnreadCounts(inbox=inbox or 0)
    if user.has("sysadmin"):
        shared = open_mailbox(user, "help")
        counts.help = (
            await session.scalar(_UNREAD, {"mailbox": shared.id, "school": shared.school_id}) or 0
        )
    return counts


_RECEIPTS = text(
    """
SELECT e.mailbox_id, e.read_at FROM mailbox_entries e
WHERE e.message_id = :message AND e.folder = 'inbox'
ORDER BY e.read_at NULLS LAST, e.mailbox_id
LIMIT :limit OFFSET :offset
"""
)
_RECEIPT_COUNTS = text(
    "SELECT count(*) AS recipients, count(read_at) AS read FROM mailbox_entries "
    "WHERE message_id = :message AND folder = 'inbox'"
)


async def receipts(
    session: AsyncSession,
    user: User,
    message_id: uuid.UUID,
    *,
    limit: int,
    offset: int,
    which: MailboxChoice = "own",
) -> Receipts:
    """Who has read a message this mailbox sent (404 for anyone but its sender)."""
    mailbox = open_mailbox(user, which)
    sent = await session.scalar(
        text(
            "SELECT 1 FROM mailbox_entries WHERE mailbox_id = :mailbox AND message_id = :message "
            "AND school_id = :school AND folder = 'sent'"
        ),
        {"mailbox": mailbox.id, "message": message_id, "school": mailbox.school_id},
    )
    if sent is None:
        raise NotFound("message")
    counts = (await session.execute(_RECEIPT_COUNTS, {"message": message_id})).one()
    rows = (
        await session.execute(_RECEIPTS, {"message": message_id, "limit": limit, "offset": offset})
    ).all()
    parties = await _parties(session, mailbox, [(r.mailbox_id, None) for r in rows])
    return Receipts(
        recipients=counts.recipients,
        read=counts.read,
        items=[Receipt(recipient=parties[r.mailbox_id], read_at=r.read_at) for r in rows],
        limit=limit,
        offset=offset,
    )


@dataclass(frozen=True)
class Download:
    file_name: str
    content_type: str
    content: bytes


async def download(
    session: AsyncSession, user: User, attachment_id: uuid.UUID, which: MailboxChoice = "own"
) -> Download:
    """A file of a message this mailbox holds (404 for anyone else)."""
    mailbox = open_mailbox(user, which)
    row = (
        await session.execute(
            text(
                "SELECT a.file_name, a.content_type, a.content FROM mail_attachments a "
                "JOIN mailbox_entries e ON e.message_id = a.message_id "
                "WHERE a.id = :id AND e.mailbox_id = :mailbox AND e.school_id = :school"
            ),
            {"id": attachment_id, "mailbox": mailbox.id, "school": mailbox.school_id},
        )
    ).one_or_none()
    if row is None:
        raise NotFound("attachment")
    return Download(row.file_name, row.content_type, row.content)


# --- whom one may write to -----------------------------------------------------------------

_STAFF_CONTACTS = text(
    """
SELECT st.account_id, st.last_name, st.first_name, st.middle_name, st.roles,
       ARRAY(SELECT DISTINCT a.subject_name FROM directory_assignments a
             WHERE a.teacher_id = st.account_id AND a.school_id = st.school_id
               AND (CAST(:classes AS uuid[]) IS NULL OR a.class_id = ANY(CAST(:classes AS uuid[])))
             ORDER BY 1) AS subjects,
       ARRAY(SELECT c.name FROM directory_classes c
             WHERE c.class_teacher_id = st.account_id AND c.school_id = st.school_id
               AND (CAST(:classes AS uuid[]) IS NULL OR c.class_id = ANY(CAST(:classes AS uuid[])))
             ORDER BY 1) AS leads,
       ARRAY(SELECT a.class_id FROM directory_assignments a
             WHERE a.teacher_id = st.account_id AND a.school_id = st.school_id) AS teaches,
       ARRAY(SELECT c.class_id FROM directory_classes c
             WHERE c.class_teacher_id = st.account_id AND c.school_id = st.school_id) AS led
FROM directory_staff st
WHERE st.school_id = :school
ORDER BY st.last_name, st.first_name, st.account_id
"""
)


async def contacts(session: AsyncSession, user: User) -> Contacts:
    """The staff the caller may write to (with their subjects and classes, a family's
    only as far as their own classes go) and the groups they may address."""
    mailbox = open_mailbox(user)
    sender = await sender_of(session, mailbox)
    classes = sorted(sender.classes) if sender.kind != "staff" else None
    people = []
    for row in await session.execute(
        _STAFF_CONTACTS, {"school": mailbox.school_id, "classes": classes}
    ):
        addressee = Addressee(
            mailbox_id=row.account_id,
            school_id=mailbox.school_id,
            kind="staff",
            roles=frozenset(row.roles),
            teaches=frozenset(row.teaches),
            leads=frozenset(row.led),
        )
        if row.account_id == mailbox.id or not may_write(sender, addressee):
            continue
        people.append(
            Contact(
                id=row.account_id,
                name=full_name(row.last_name, row.first_name, row.middle_name),
                roles=sorted(row.roles),
                subjects=list(row.subjects),
                leads=list(row.leads),
            )
        )
    groups: list[GroupOption] = []
    if may_address_groups(sender):
        groups.append(GroupOption(kind="staff", name=addressing.STAFF_GROUP_NAME))
        rows = (
            await session.execute(
                text(
                    "SELECT class_id, name, grade FROM directory_classes WHERE school_id = :school "
                    "ORDER BY grade, name"
                ),
                {"school": mailbox.school_id},
            )
        ).all()
        for grade in sorted({r.grade for r in rows}):
            for audience in ("parents", "students", "teachers"):
                group = {"kind": "parallel", "audience": audience, "grade": grade}
                groups.append(
                    GroupOption(
                        kind="parallel",
                        audience=audience,
                        grade=grade,
                        name=addressing.group_name(group, {}),
                    )
                )
        for r in rows:
            for audience in ("parents", "students", "teachers"):
                group = {"kind": "class", "audience": audience, "class_id": str(r.class_id)}
                groups.append(
                    GroupOption(
                        kind="class",
                        audience=audience,
                        class_id=r.class_id,
                        name=addressing.group_name(group, {r.class_id: r.name}),
                    )
                )
    return Contacts(people=people, groups=groups)
