"""Keeping one's own copy: read, archived, deleted, never touching anyone else's."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.mail.mailbox import MailboxChoice, open_mailbox
from messaging.notifications.fanout import wake_streams
from shared.contracts.messaging import MessageRead
from shared.errors import NotFound
from shared.outbox import add_event
from shared.security import User

# --- keeping one's own mailbox -------------------------------------------------------------

_READ = text(
    """
WITH entry AS (
    SELECT mailbox_id, message_id, read_at FROM mailbox_entries
    WHERE mailbox_id = :mailbox AND message_id = :message AND school_id = :school
    FOR UPDATE
), changed AS (
    UPDATE mailbox_entries e SET read_at = :now FROM entry
    WHERE e.mailbox_id = entry.mailbox_id AND e.message_id = entry.message_id
      AND entry.read_at IS NULL
    RETURNING e.read_at
)
SELECT EXISTS (SELECT 1 FROM entry) AS found, (SELECT read_at FROM changed) AS first_read
"""
)


async def mark_read(
    session: AsyncSession, user: User, message_id: uuid.UUID, which: MailboxChoice = "own"
) -> None:
    """This mailbox has read the message; the first reading is kept and announced once."""
    mailbox = open_mailbox(user, which)
    now = datetime.now(UTC)
    row = (
        await session.execute(
            _READ,
            {"mailbox": mailbox.id, "message": message_id, "school": mailbox.school_id, "now": now},
        )
    ).one()
    if not row.found:
        raise NotFound("message")
    if row.first_read is not None:
        await wake_streams(session, [mailbox.id])  # the unread count in one's other tabs
        await add_event(
            session,
            MessageRead(
                school_id=mailbox.school_id,
                message_id=message_id,
                mailbox_id=mailbox.id,
                reader_kind=mailbox.kind,
                read_at=now,
            ),
        )


async def set_archived(
    session: AsyncSession,
    user: User,
    message_id: uuid.UUID,
    archived: bool,
    which: MailboxChoice = "own",
) -> None:
    """Archive (or bring back) this mailbox's copy; other mailboxes' copies stay as they are."""
    mailbox = open_mailbox(user, which)
    found = await session.scalar(
        text(
            "UPDATE mailbox_entries SET archived_at = CASE WHEN :archived "
            "THEN coalesce(archived_at, :now) END "
            "WHERE mailbox_id = :mailbox AND message_id = :message AND school_id = :school "
            "RETURNING message_id"
        ),
        {
            "archived": archived,
            "now": datetime.now(UTC),
            "mailbox": mailbox.id,
            "message": message_id,
            "school": mailbox.school_id,
        },
    )
    if found is None:
        raise NotFound("message")
    await wake_streams(session, [mailbox.id])  # an archived message leaves the unread count


async def set_thread_archived(
    session: AsyncSession,
    user: User,
    thread_id: uuid.UUID,
    archived: bool,
    which: MailboxChoice = "own",
) -> None:
    """Archive (or bring back) every message this mailbox holds of a thread, in one
    statement; other mailboxes' copies stay as they are (a thread it holds nothing of: 404)."""
    mailbox = open_mailbox(user, which)
    found = (
        await session.scalars(
            text(
                "UPDATE mailbox_entries SET archived_at = CASE WHEN :archived "
                "THEN coalesce(archived_at, :now) END "
                "WHERE mailbox_id = :mailbox AND thread_id = :thread AND school_id = :school "
                "RETURNING message_id"
            ),
            {
                "archived": archived,
                "now": datetime.now(UTC),
                "mailbox": mailbox.id,
                "thread": thread_id,
                "school": mailbox.school_id,
            },
        )
    ).first()
    if found is None:
        raise NotFound("thread")
    await wake_streams(session, [mailbox.id])


async def delete(
    session: AsyncSession, user: User, message_id: uuid.UUID, which: MailboxChoice = "own"
) -> None:
    """Remove the message from this mailbox; once no mailbox holds it, the message (and
    its files, and a thread left empty) goes too."""
    mailbox = open_mailbox(user, which)
    thread_id = await session.scalar(
        text(
            "DELETE FROM mailbox_entries WHERE mailbox_id = :mailbox AND message_id = :message "
            "AND school_id = :school RETURNING thread_id"
        ),
        {"mailbox": mailbox.id, "message": message_id, "school": mailbox.school_id},
    )
    if thread_id is None:
        raise NotFound("message")
    await wake_streams(session, [mailbox.id])
    await session.execute(
        text(
            "DELETE FROM mail_messages m WHERE m.id = :message AND NOT EXISTS "
            "(SELECT 1 FROM mailbox_entries e WHERE e.message_id = m.id)"
        ),
        {"message": message_id},
    )
    await session.execute(
        text(
            "DELETE FROM mail_threads t WHERE t.id = :thread AND NOT EXISTS "
            "(SELECT 1 FROM mail_messages m WHERE m.thread_id = t.id)"
        ),
        {"thread": thread_id},
    )
