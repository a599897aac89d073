"""Mail's tables. A message is stored once; each mailbox that holds it (the sender's, each
recipient's) has its own entry with its own read, archive and delete state."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR, UUID
from sqlalchemy.orm import Mapped, mapped_column

from messaging.models import Base

# The Russian full-text configuration over a message's subject and body (search is always
# within one's own mailbox: the GIN index finds the messages, the entry join narrows).
SEARCH_VECTOR = "to_tsvector('russian', subject || ' ' || body)"


class MailThread(Base):
    """A conversation: the first message's subject, and when it last moved."""

    __tablename__ = "mail_threads"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    subject: Mapped[str] = mapped_column(Text)
    started_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_message_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MailMessage(Base):
    """One message. `sender_id` is a mailbox (a staff account, a roster person or a help
    mailbox); `author_account_id` who wrote it (the sysadmin behind a help answer).
    `addressed` is what the sender addressed (people, groups, help), kept for display and
    for a staff member's reply to all; who received it are the entries."""

    __tablename__ = "mail_messages"
    __table_args__ = (
        Index("ix_mail_messages_thread_id", "thread_id", "sent_at"),
        Index("ix_mail_messages_search", "search", postgresql_using="gin"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    thread_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("mail_threads.id", ondelete="CASCADE")
    )
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    sender_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    sender_kind: Mapped[str] = mapped_column(String(10))
    author_account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    addressed: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    reply_to_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    search: Mapped[Any] = mapped_column(TSVECTOR, Computed(SEARCH_VECTOR, persisted=True))


class MailAttachment(Base):
    """A file of a message, its type judged by its content; the bytes live here."""

    __tablename__ = "mail_attachments"
    __table_args__ = (Index("ix_mail_attachments_message_id", "message_id"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    message_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("mail_messages.id", ondelete="CASCADE")
    )
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    file_name: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class MailboxEntry(Base):
    """A message in one mailbox: `folder` inbox or sent, its reading, its archiving. A
    deleted entry is gone; the message stays while another mailbox holds it."""

    __tablename__ = "mailbox_entries"
    __table_args__ = (
        Index("ix_mailbox_entries_listing", "mailbox_id", "school_id", "folder", "delivered_at"),
        Index(
            "ix_mailbox_entries_unread",
            "mailbox_id",
            "school_id",
            postgresql_where=text("read_at IS NULL AND folder = 'inbox'"),
        ),
        Index("ix_mailbox_entries_message_id", "message_id"),
    )

    mailbox_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    message_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("mail_messages.id", ondelete="CASCADE"),
        primary_key=True,
    )
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    thread_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    folder: Mapped[str] = mapped_column(String(10))
    delivered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
