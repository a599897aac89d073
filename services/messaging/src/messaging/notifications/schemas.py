"""HTTP models of notifications, preferences, email settings and progress letters."""

import uuid
from datetime import date, datetime, time
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    model_validator,
)

from messaging.notifications.kinds import CATEGORIES
from shared.inputs import Day, Text

Category = Literal[
    "marks", "attendance", "homework", "final_marks", "periods", "reports", "letters"
]
assert set(Category.__args__) == set(CATEGORIES)  # type: ignore[attr-defined]

# One mailbox, no display name, no whitespace (so nothing can be smuggled into headers).
Address = Annotated[
    str, StringConstraints(pattern=r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$", max_length=254)
]


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    student_id: uuid.UUID | None
    text: str
    payload: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    total: int
    unread: int
    limit: int
    offset: int


class UnreadCount(BaseModel):
    unread: int


class ReadAll(BaseModel):
    marked: int


class QuietHours(BaseModel):
    """No email between `start` and `end`, school time (22:00-07:00 spans the night)."""

    model_config = ConfigDict(extra="forbid")

    start: time
    end: time

    @model_validator(mode="after")
    def _a_span(self) -> Self:
        if self.start == self.end:
            raise ValueError("quiet hours need different start and end")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("quiet hours are times of day in the school's zone, without offset")
        return self


class PreferencesIn(BaseModel):
    """What to be told (`muted`: categories left out) and how email comes: each at once
    (`immediate`) or one daily digest at `digest_hour`, school time; never in quiet hours."""

    model_config = ConfigDict(extra="forbid")

    muted: list[Category] = Field(default_factory=list, max_length=len(CATEGORIES))
    delivery: Literal["immediate", "digest"] = "immediate"
    digest_hour: StrictInt = Field(default=18, ge=0, le=23)
    quiet_hours: QuietHours | None = None
    email: Address | None = None


class PreferencesOut(PreferencesIn):
    model_config = ConfigDict(extra="ignore")

    categories: list[Category]


class EmailSettingsIn(BaseModel):
    """Whether the school sends notification emails, and from which address (the SMTP
    server is the deployment's: MESSAGING_SMTP_*)."""

    model_config = ConfigDict(extra="forbid")

    enabled: StrictBool
    sender: Address


class EmailSettingsOut(EmailSettingsIn):
    smtp_configured: bool


class LettersIn(BaseModel):
    """Progress letters for a class over a date range (at most a quarter's length)."""

    model_config = ConfigDict(extra="forbid")

    class_id: uuid.UUID
    date_from: Day = Field(alias="from")
    date_to: Day = Field(alias="to")
    comment: Text | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _a_range(self) -> Self:
        if self.date_to < self.date_from:
            raise ValueError("`to` is before `from`")
        if (self.date_to - self.date_from).days > 120:
            raise ValueError("the range is longer than 120 days")
        return self


class LettersSent(BaseModel):
    batch_id: uuid.UUID
    letters: int
    deliveries: int


class LetterOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    student_id: uuid.UUID
    subject: str
    body: str
    summary: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


class LetterPage(BaseModel):
    items: list[LetterOut]
    total: int
    limit: int
    offset: int


class SentLetters(BaseModel):
    """One sending of a class's progress letters, as its class teacher and the
    administration see it: the range, when, to how many families and parents."""

    batch_id: uuid.UUID
    class_id: uuid.UUID
    class_name: str | None = Field(description="the class's name as journal announced it")
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    sent_at: datetime
    scheduled: bool = Field(description="sent by the weekly schedule, not on request")
    author_id: uuid.UUID
    comment: str | None
    letters: int = Field(description="one per student of the class")
    families: int = Field(description="letters that reached at least one parent")
    deliveries: int = Field(description="parents the letters went to")

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class SentLettersPage(BaseModel):
    items: list[SentLetters]
    total: int
    limit: int
    offset: int


class ScheduleIn(BaseModel):
    """Weekly letters for the seven days before: `weekday` 1 (Monday) to 7, at `hour`."""

    model_config = ConfigDict(extra="forbid")

    weekday: StrictInt = Field(ge=1, le=7)
    hour: StrictInt = Field(ge=0, le=23)
    comment: Text | None = Field(default=None, max_length=2000)


class ScheduleOut(ScheduleIn):
    class_id: uuid.UUID
    last_sent_on: date | None
