"""Domain events and their CloudEvents 1.0 envelope (JSON structured mode).

An event contract is a pydantic model of the event's data; the base class gives every
event its id, time, school and aggregate version, which travel as envelope attributes.
"""

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field

CLOUDEVENTS_CONTENT_TYPE = "application/cloudevents+json"


def _now() -> datetime:
    return datetime.now(UTC)


class CloudEvent(BaseModel):
    """The envelope as it travels on the bus."""

    model_config = ConfigDict(extra="allow")

    specversion: str = "1.0"
    id: uuid.UUID
    source: str
    type: str
    time: datetime
    subject: str
    datacontenttype: str = "application/json"
    schoolid: str | None = None
    version: int = 1
    traceparent: str | None = None
    data: dict[str, Any]

    def to_json(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()

    def as_record(self) -> dict[str, Any]:
        """The columns of a table keeping events as they arrived (reporting's log, archive)."""
        return {
            "event_id": self.id,
            "event_type": self.type,
            "school_id": uuid.UUID(self.schoolid) if self.schoolid else None,
            "subject": self.subject,
            "version": self.version,
            "envelope": self.model_dump(mode="json", exclude_none=True),
        }

    @classmethod
    def from_json(cls, body: bytes) -> "CloudEvent":
        return cls.model_validate_json(body)


class Event(BaseModel):
    """Base of every contract: a past-tense fact, published by one service."""

    # Consumers ignore unknown fields, so a producer may add fields without a new version.
    model_config = ConfigDict(extra="ignore", frozen=True)

    routing_key: ClassVar[str]  # <service>.<aggregate>.<fact>.v<N>; also the CloudEvent type
    aggregate: ClassVar[str]  # the subject prefix, e.g. "mark"

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4, exclude=True)
    occurred_at: datetime = Field(default_factory=_now, exclude=True)
    school_id: uuid.UUID | None = Field(default=None, exclude=True)
    version: int = Field(default=1, exclude=True)

    def aggregate_id(self) -> str:
        """The id of the aggregate this fact is about; used in the envelope's subject."""
        raise NotImplementedError

    @classmethod
    def source(cls) -> str:
        return "/" + cls.routing_key.split(".", 1)[0]

    def to_cloudevent(self, traceparent: str | None = None) -> CloudEvent:
        return CloudEvent(
            id=self.event_id,
            source=self.source(),
            type=self.routing_key,
            time=self.occurred_at,
            subject=f"{self.aggregate}/{self.aggregate_id()}",
            schoolid=str(self.school_id) if self.school_id else None,
            version=self.version,
            traceparent=traceparent,
            data=self.model_dump(mode="json"),
        )

    @classmethod
    def from_cloudevent(cls, envelope: CloudEvent) -> Self:
        return cls.model_validate(
            {
                **envelope.data,
                "event_id": envelope.id,
                "occurred_at": envelope.time,
                "school_id": envelope.schoolid,
                "version": envelope.version,
            }
        )


class Bundle(Event):
    """Several events written in one transaction, published as one message.

    A producer that writes many aggregates at once (the journal page's save: 30 marks and a
    class's attendance) stages one bundle instead of an event per aggregate, so the relay,
    the broker and every consumer handle one message. `events` holds the envelopes exactly
    as each would have travelled alone (its own id, type, subject and aggregate version);
    consumers unpack a bundle (`unpack`) and apply its events as if they had arrived one by
    one, in one batch (shared.inbox). Only the types in `carries` may travel inside it.
    """

    carries: ClassVar[tuple[type[Event], ...]]

    events: list[CloudEvent] = Field(default_factory=list)

    @classmethod
    def unpack(cls, envelope: CloudEvent) -> list[CloudEvent]:
        """The events inside a bundle's envelope, in their order; ValueError when one is of
        a type the bundle does not carry (the bundle is then malformed)."""
        carried = {event_type.routing_key for event_type in cls.carries}
        inner = [CloudEvent.model_validate(item) for item in envelope.data.get("events", [])]
        foreign = sorted({item.type for item in inner if item.type not in carried})
        if foreign:
            raise ValueError(f"{cls.routing_key} does not carry {', '.join(foreign)}")
        return inner
