"""Events published by messaging, for the weekly activity report: ids and counts only (no
names, no subjects, no bodies: what people write to each other stays in messaging)."""

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from shared.events import Event

SenderKind = Literal["staff", "student", "parent", "help"]
"""Who wrote: a member of staff, a student, a parent, or a sysadmin from the school's
shared help mailbox."""


class MessageSent(Event):
    """A message of the internal mail was delivered to its recipients' mailboxes (groups
    resolved at send time: `recipients` counts mailboxes, the sender's own not included)."""

    routing_key: ClassVar[str] = "messaging.message.sent.v1"
    aggregate: ClassVar[str] = "message"

    message_id: uuid.UUID
    thread_id: uuid.UUID
    sender_kind: SenderKind
    # The sender's roles as their token named them (for the report's split by role).
    sender_roles: list[str]
    recipients: int
    groups: int
    attachments: int
    reply: bool
    sent_at: datetime

    def aggregate_id(self) -> str:
        return str(self.message_id)


class MessageRead(Event):
    """A recipient opened a message for the first time (a mailbox's first reading only;
    `version` is 1: a mailbox is read once)."""

    routing_key: ClassVar[str] = "messaging.message.read.v1"
    aggregate: ClassVar[str] = "message_read"

    message_id: uuid.UUID
    # The mailbox: a person's (staff account or roster person id) or a school's help mailbox.
    mailbox_id: uuid.UUID
    reader_kind: SenderKind
    read_at: datetime

    def aggregate_id(self) -> str:
        return f"{self.message_id}:{self.mailbox_id}"


EVENTS: tuple[type[Event], ...] = (MessageSent, MessageRead)
