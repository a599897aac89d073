"""Sending and answering: every recipient checked against the rules, groups resolved,
every mailbox row in one statement, the event in the outbox; a refusal writes nothing."""

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import TypeAdapter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.mail import addressing
from messaging.mail.addressing import Delivery, help_mailbox
from messaging.mail.attachments import CheckedFile
from messaging.mail.mailbox import (
    Mailbox,
    MailboxChoice,
    addressees,
    is_family,
    open_mailbox,
    sender_of,
)
from messaging.mail.permissions import (
    Sender,
    may_address_groups,
    may_write,
)
from messaging.mail.reading import message_view
from messaging.mail.schemas import (
    ClassGroup,
    HelpRecipient,
    NewMessage,
    ParallelGroup,
    PersonRecipient,
    Recipient,
    ReplyMessage,
    SentMessage,
    StaffGroup,
)
from shared.contracts.messaging import MessageSent
from shared.errors import NotFound, Problem
from shared.outbox import add_event
from shared.security import User

_RECIPIENT: TypeAdapter[Recipient] = TypeAdapter(Recipient)


async def _classes_of_groups(
    session: AsyncSession, school_id: uuid.UUID, groups: Sequence[ClassGroup | ParallelGroup]
) -> dict[int, list[uuid.UUID]]:
    """Each group's classes (by its position); a group with none is unknown (422)."""
    class_ids = sorted({g.class_id for g in groups if isinstance(g, ClassGroup)})
    grades = sorted({g.grade for g in groups if isinstance(g, ParallelGroup)})
    rows = await session.execute(
        text(
            "SELECT class_id, grade FROM directory_classes WHERE school_id = :school "
            "AND (class_id = ANY(CAST(:ids AS uuid[])) OR grade = ANY(CAST(:grades AS int[])))"
        ),
        {"school": school_id, "ids": class_ids, "grades": grades},
    )
    by_id: dict[uuid.UUID, int] = {}
    by_grade: dict[int, list[uuid.UUID]] = {}
    for class_id, grade in rows:
        by_id[class_id] = grade
        by_grade.setdefault(grade, []).append(class_id)
    found: dict[int, list[uuid.UUID]] = {}
    unknown = []
    for position, group in enumerate(groups):
        if isinstance(group, ClassGroup):
            classes = [group.class_id] if group.class_id in by_id else []
        else:
            classes = sorted(by_grade.get(group.grade, []))
        if not classes:
            unknown.append(group.model_dump(mode="json"))
        found[position] = classes
    if unknown:
        raise Problem(
            422,
            "unknown-group",
            "Unknown group",
            "Такой группы адресатов в школе нет.",
            groups=unknown,
        )
    return found


def _not_allowed(ids: Iterable[uuid.UUID]) -> Problem:
    return Problem(
        422,
        "recipient-not-allowed",
        "Recipient not allowed",
        "Этим адресатам вы писать не можете (или их нет в школе).",
        recipients=[str(i) for i in sorted(ids)],
    )


async def plan_delivery(
    session: AsyncSession, sender: Sender, to: Sequence[Recipient]
) -> tuple[Delivery, list[dict[str, Any]]]:
    """Check every recipient against the rules and resolve groups to classes; nothing is
    written here. Also what was addressed, as it is kept with the message."""
    groups = [r for r in to if isinstance(r, ClassGroup | ParallelGroup | StaffGroup)]
    if groups and not may_address_groups(sender):
        raise Problem(
            422,
            "group-not-allowed",
            "Group not allowed",
            "Группам адресатов пишут только сотрудники школы.",
        )
    people = [r.id for r in to if isinstance(r, PersonRecipient)]
    known = await addressees(session, sender.school_id, people)
    refused = {p for p in people if p not in known or not may_write(sender, known[p])}
    if refused:
        raise _not_allowed(refused)
    delivery = Delivery(people=set(people))
    class_groups = [g for g in groups if isinstance(g, ClassGroup | ParallelGroup)]
    classes = await _classes_of_groups(session, sender.school_id, class_groups)
    for position, group in enumerate(class_groups):
        delivery.add_group(group.audience, classes[position])
    if any(isinstance(g, StaffGroup) for g in groups):
        delivery.all_staff = True
    if any(isinstance(r, HelpRecipient) for r in to):
        delivery.people.add(help_mailbox(sender.school_id))
    addressed = list({_key(r): r.model_dump(mode="json") for r in to}.values())
    return delivery, addressed


def _key(recipient: Recipient) -> str:
    return recipient.model_dump_json()


# --- sending -------------------------------------------------------------------------------

_INSERT_THREAD = text(
    "INSERT INTO mail_threads (id, school_id, subject, started_by, started_at, "
    "last_message_at) VALUES (:id, :school, :subject, :by, :now, :now)"
)
_TOUCH_THREAD = text("UPDATE mail_threads SET last_message_at = :now WHERE id = :id")
_INSERT_MESSAGE = text(
    "INSERT INTO mail_messages (id, thread_id, school_id, sender_id, sender_kind, "
    "author_account_id, subject, body, addressed, reply_to_id, sent_at) VALUES "
    "(:id, :thread, :school, :sender, :kind, :author, :subject, :body, "
    "CAST(:addressed AS jsonb), :reply_to, :now)"
)
_INSERT_ATTACHMENT = text(
    "INSERT INTO mail_attachments (id, message_id, school_id, file_name, content_type, "
    "size, content) VALUES (:id, :message, :school, :name, :type, :size, :content)"
)


def _no_recipients() -> Problem:
    return Problem(
        422,
        "no-recipients",
        "No recipients",
        "В выбранных группах сейчас нет ни одного адресата: сообщение не отправлено.",
    )


async def _store(
    session: AsyncSession,
    author: tuple[uuid.UUID | None, Iterable[str]],
    mailbox: Mailbox,
    *,
    thread_id: uuid.UUID,
    subject: str,
    body: str,
    delivery: Delivery,
    addressed: list[dict[str, Any]],
    files: Sequence[CheckedFile],
    reply_to: uuid.UUID | None,
    now: datetime,
) -> tuple[uuid.UUID, int]:
    author_id, author_roles = author
    message_id = uuid.uuid4()
    await session.execute(
        _INSERT_MESSAGE,
        {
            "id": message_id,
            "thread": thread_id,
            "school": mailbox.school_id,
            "sender": mailbox.id,
            "kind": mailbox.kind,
            "author": author_id,
            "subject": subject,
            "body": body,
            "addressed": orjson.dumps(addressed).decode(),
            "reply_to": reply_to,
            "now": now,
        },
    )
    for file in files:
        await session.execute(
            _INSERT_ATTACHMENT,
            {
                "id": uuid.uuid4(),
                "message": message_id,
                "school": mailbox.school_id,
                "name": file.file_name,
                "type": file.content_type,
                "size": len(file.content),
                "content": file.content,
            },
        )
    delivered = await addressing.deliver(
        session,
        delivery,
        school_id=mailbox.school_id,
        message_id=message_id,
        thread_id=thread_id,
        sender=mailbox.id,
        now=now,
    )
    if delivered == 0:
        raise _no_recipients()  # the request's transaction rolls back: nothing was sent
    groups = sum(1 for a in addressed if a["kind"] in ("class", "parallel", "staff"))
    await add_event(
        session,
        MessageSent(
            school_id=mailbox.school_id,
            message_id=message_id,
            thread_id=thread_id,
            sender_kind=mailbox.kind,
            sender_roles=sorted(author_roles),
            recipients=delivered,
            groups=groups,
            attachments=len(files),
            reply=reply_to is not None,
            sent_at=now,
        ),
    )
    return message_id, delivered


async def send(
    session: AsyncSession, user: User, data: NewMessage, files: Sequence[CheckedFile]
) -> SentMessage:
    """A new thread with its first message, delivered to every recipient now."""
    mailbox = open_mailbox(user)
    sender = await sender_of(session, mailbox)
    delivery, addressed = await plan_delivery(session, sender, data.to)
    now = datetime.now(UTC)
    thread_id = uuid.uuid4()
    await session.execute(
        _INSERT_THREAD,
        {
            "id": thread_id,
            "school": mailbox.school_id,
            "subject": data.subject,
            "by": mailbox.id,
            "now": now,
        },
    )
    message_id, delivered = await _store(
        session,
        (user.account_id, user.roles),
        mailbox,
        thread_id=thread_id,
        subject=data.subject,
        body=data.body,
        delivery=delivery,
        addressed=addressed,
        files=files,
        reply_to=None,
        now=now,
    )
    return SentMessage(
        message=await message_view(session, mailbox, message_id), delivered=delivered
    )


async def send_on_behalf(
    session: AsyncSession,
    *,
    school_id: uuid.UUID,
    author_id: uuid.UUID,
    author_roles: Sequence[str],
    to: Iterable[uuid.UUID],
    subject: str,
    body: str,
    now: datetime,
) -> uuid.UUID:
    """A new thread from a member of staff's mailbox to people, written by the service on
    their behalf (the class teacher's progress letters, on request or by schedule): the
    message the class teacher would have sent, in each parent's inbox and their `sent`.
    The addressees are given, not checked against the rules: they are the parents of the
    class teacher's own students. The thread's id."""
    mailbox = Mailbox(author_id, school_id, "staff")
    people = sorted(set(to))
    thread_id = uuid.uuid4()
    await session.execute(
        _INSERT_THREAD,
        {"id": thread_id, "school": school_id, "subject": subject, "by": author_id, "now": now},
    )
    await _store(
        session,
        (author_id, author_roles),
        mailbox,
        thread_id=thread_id,
        subject=subject,
        body=body,
        delivery=Delivery(people=set(people)),
        addressed=[{"kind": "person", "id": str(p)} for p in people],
        files=(),
        reply_to=None,
        now=now,
    )
    return thread_id


_LAST_IN_THREAD = text(
    """
SELECT m.id, m.sender_id, m.addressed, m.subject, e.folder
FROM mailbox_entries e JOIN mail_messages m ON m.id = e.message_id
WHERE e.mailbox_id = :mailbox AND e.school_id = :school AND e.thread_id = :thread
ORDER BY (e.folder = 'inbox') DESC, m.sent_at DESC, m.id DESC
LIMIT 1
"""
)


async def reply(
    session: AsyncSession,
    user: User,
    thread_id: uuid.UUID,
    data: ReplyMessage,
    files: Sequence[CheckedFile],
    which: MailboxChoice = "own",
) -> SentMessage:
    """An answer in a thread the mailbox holds (404 otherwise): to the sender of the last
    message received in it; a family's answer never goes to anyone else."""
    mailbox = open_mailbox(user, which)
    last = (
        await session.execute(
            _LAST_IN_THREAD,
            {"mailbox": mailbox.id, "school": mailbox.school_id, "thread": thread_id},
        )
    ).one_or_none()
    if last is None:
        raise NotFound("thread")
    if data.all and is_family(mailbox):
        raise Problem(
            422,
            "reply-all-not-allowed",
            "Reply to all not allowed",
            "Ученики и родители отвечают только отправителю сообщения.",
        )
    sender = await sender_of(session, mailbox)
    to: list[Recipient] = []
    delivery = Delivery()
    addressed: list[dict[str, Any]] = []
    if last.folder == "inbox":
        # The one who wrote to this mailbox may be answered whatever the rules for a first
        # message say (a teacher who does not teach the child wrote to the parent).
        target = last.sender_id
        if target == help_mailbox(mailbox.school_id):
            addressed.append({"kind": "help"})
        else:
            addressed.append({"kind": "person", "id": str(target)})
        delivery.people.add(target)
        if data.all:
            to = [_recipient(a) for a in last.addressed]
    else:
        to = [_recipient(a) for a in last.addressed]  # nobody has answered yet: write again
    if to:
        more, more_addressed = await plan_delivery(session, sender, to)
        delivery.people |= more.people
        delivery.parent_classes |= more.parent_classes
        delivery.student_classes |= more.student_classes
        delivery.teacher_classes |= more.teacher_classes
        delivery.all_staff |= more.all_staff
        addressed.extend(a for a in more_addressed if a not in addressed)
    now = datetime.now(UTC)
    await session.execute(_TOUCH_THREAD, {"id": thread_id, "now": now})
    message_id, delivered = await _store(
        session,
        (user.account_id, user.roles),
        mailbox,
        thread_id=thread_id,
        subject=last.subject,
        body=data.body,
        delivery=delivery,
        addressed=addressed,
        files=files,
        reply_to=last.id,
        now=now,
    )
    return SentMessage(
        message=await message_view(session, mailbox, message_id), delivered=delivered
    )


def _recipient(addressed: dict[str, Any]) -> Recipient:
    return _RECIPIENT.validate_python(addressed)
