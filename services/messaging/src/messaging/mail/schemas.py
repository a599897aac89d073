"""Mail's HTTP models: what a client sends (recipients, a message, a reply) and reads."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from shared.inputs import RequestModel, Text

MAX_SUBJECT = 200
MAX_BODY = 20_000
MAX_RECIPIENTS = 100

Audience = Literal["parents", "students", "teachers"]
Subject = Annotated[
    Text, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_SUBJECT)
]
Body = Annotated[Text, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_BODY)]


class PersonRecipient(RequestModel):
    """One person: a staff account id, or a student's or parent's roster id."""

    kind: Literal["person"]
    id: uuid.UUID


class ClassGroup(RequestModel):
    """The parents, the students or the teachers (its subject teachers and class teacher)
    of one class, as they are when the message is sent."""

    kind: Literal["class"]
    audience: Audience
    class_id: uuid.UUID


class ParallelGroup(RequestModel):
    """The parents, students or teachers of every class of one grade (a parallel)."""

    kind: Literal["parallel"]
    audience: Audience
    grade: Annotated[int, Field(ge=1, le=11)]


class StaffGroup(RequestModel):
    """Every member of staff of the school."""

    kind: Literal["staff"]


class HelpRecipient(RequestModel):
    """The school's help mailbox («Помощь»): its system administrators."""

    kind: Literal["help"]


Recipient = Annotated[
    PersonRecipient | ClassGroup | ParallelGroup | StaffGroup | HelpRecipient,
    Field(discriminator="kind"),
]


class NewMessage(RequestModel):
    """A new thread: its subject, the first message's body and whom it goes to."""

    subject: Subject
    body: Body
    to: Annotated[list[Recipient], Field(min_length=1, max_length=MAX_RECIPIENTS)]


class ReplyMessage(RequestModel):
    """An answer in a thread: to the sender of the last message received in it (or, for
    the thread's starter before any answer, to whom they wrote). `all` (staff only) also
    answers everyone that message was addressed to."""

    body: Body
    all: bool = False


class Party(BaseModel):
    """A sender or a recipient as the reader sees them: staff by name, the help mailbox
    as «Помощь», a group by its name; a family member by id and kind only; `person` one
    the directory no longer knows."""

    kind: Literal["staff", "student", "parent", "help", "group", "person"]
    id: uuid.UUID | None = None
    name: str | None = None


class AttachmentOut(BaseModel):
    id: uuid.UUID
    file_name: str
    content_type: str
    size: int


class MessageSummary(BaseModel):
    """A message in a mailbox's list."""

    id: uuid.UUID
    thread_id: uuid.UUID
    folder: Literal["inbox", "sent"]
    subject: str
    snippet: str
    sender: Party
    sent_at: datetime
    read_at: datetime | None
    archived_at: datetime | None
    attachments: int


class MessagePage(BaseModel):
    items: list[MessageSummary]
    total: int
    limit: int
    offset: int


class MessageOut(BaseModel):
    """A message as its reader sees it. `recipients` are what the sender addressed; to a
    parent or a student, people outside their family are not shown, only counted."""

    id: uuid.UUID
    thread_id: uuid.UUID
    folder: Literal["inbox", "sent"]
    subject: str
    body: str
    sender: Party
    recipients: list[Party]
    hidden_recipients: int
    sent_at: datetime
    read_at: datetime | None
    archived_at: datetime | None
    attachments: list[AttachmentOut]


class SentMessage(BaseModel):
    """What sending answers: the message as its sender sees it and how many mailboxes it
    reached (groups resolved now)."""

    message: MessageOut
    delivered: int


class ThreadOut(BaseModel):
    id: uuid.UUID
    subject: str
    messages: list[MessageOut]


class UnreadCounts(BaseModel):
    """Unread messages in the caller's inbox; and in the help mailbox for a sysadmin."""

    inbox: int
    help: int | None = None


class Receipt(BaseModel):
    recipient: Party
    read_at: datetime | None


class Receipts(BaseModel):
    """Who of a message's recipients has read it (for its sender)."""

    recipients: int
    read: int
    items: list[Receipt]
    limit: int
    offset: int


class Contact(BaseModel):
    """A person the caller may write to, with why: subjects taught, classes led."""

    id: uuid.UUID
    name: str
    roles: list[str]
    subjects: list[str]
    leads: list[str]


class GroupOption(BaseModel):
    """A group the caller may address, with its name."""

    kind: Literal["class", "parallel", "staff"]
    audience: Audience | None = None
    class_id: uuid.UUID | None = None
    grade: int | None = None
    name: str


class Contacts(BaseModel):
    people: list[Contact]
    groups: list[GroupOption]
