"""An event is serialised once when it is staged in the outbox, into the very envelope
the CloudEvent model would write."""

import json
import typing
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, get_args, get_origin

import asyncpg
import pytest
from pydantic import BaseModel

from shared.contracts import ALL_EVENTS
from shared.events import Event
from shared.outbox import staged
from shared.relay import ENVELOPE_CHECK

TIMES = [
    datetime(2026, 11, 27, 9, 30, 15, 123456, tzinfo=UTC),
    datetime(2026, 11, 27, tzinfo=UTC),  # no fraction of a second
    datetime(2026, 11, 27, 12, 0, 1, 500, tzinfo=timezone(timedelta(hours=3))),
]
NAIVE = datetime(2026, 11, 27, 9, 30)  # a time without an offset, as a caller might give


def value_of(annotation: Any) -> Any:
    origin = get_origin(annotation)
    if origin is dict or annotation is Any:
        return {"a": [1, "б"]}
    if origin is typing.Literal:
        return get_args(annotation)[-1]
    if origin in (list, tuple):
        return [value_of(get_args(annotation)[0])]
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return value_of(next(a for a in get_args(annotation) if a is not type(None)))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):  # a nested part
        return annotation(
            **{name: value_of(f.annotation) for name, f in annotation.model_fields.items()}
        )
    return {
        uuid.UUID: uuid.uuid4(),
        str: 'Шкаф "№ 5"\n\\ é',  # quotes, a newline, a backslash, non-ASCII
        int: 4,
        float: 4.5,
        date: date(2026, 11, 27),
        datetime: datetime(2026, 11, 27, 8, tzinfo=UTC),
        bool: True,
    }[annotation]


def events_of(event_type: type[Event]) -> list[Event]:
    """Each contract twice: every field given, and only the required ones (None left in)."""
    own = {n: f for n, f in event_type.model_fields.items() if n not in Event.model_fields}
    full = {n: value_of(f.annotation) for n, f in own.items()}
    required = {n: v for n, v in full.items() if own[n].is_required()}
    return [
        event_type(school_id=uuid.uuid4(), version=3, occurred_at=time, **fields)
        for time in TIMES
        for fields in (full, required)
    ] + [event_type(**required)]  # no school, a default time


@pytest.mark.parametrize("event_type", ALL_EVENTS, ids=lambda e: e.__name__)
@pytest.mark.parametrize("traceparent", [None, "00-abc-def-01"])
def test_the_staged_envelope_is_the_cloudevent_of_the_event(
    event_type: type[Event], traceparent: str | None
) -> None:
    for event in events_of(event_type):
        row = staged(event, traceparent)
        envelope = event.to_cloudevent(traceparent)

        assert json.loads(row.envelope) == envelope.model_dump(mode="json", exclude_none=True)
        assert json.loads(row.envelope) == json.loads(envelope.to_json())
        assert (row.id, row.routing_key) == (envelope.id, envelope.type)


async def test_every_staged_envelope_passes_the_relays_check(pg_admin_url: str) -> None:
    """The relay publishes stored envelopes without parsing them; its shape check
    (shared.relay.ENVELOPE_CHECK) lets through every envelope `staged` writes."""
    envelopes = [
        staged(event, traceparent).envelope
        for event_type in ALL_EVENTS
        for event in events_of(event_type)
        for traceparent in (None, "00-abc-def-01")
    ] + [staged(events_of(ALL_EVENTS[0])[0].model_copy(update={"occurred_at": NAIVE})).envelope]
    connection = await asyncpg.connect(pg_admin_url)
    try:
        checked = await connection.fetch(
            f"SELECT {ENVELOPE_CHECK} AS well_formed, envelope ->> 'time' AS time "
            "FROM unnest($1::jsonb[]) WITH ORDINALITY AS outbox (envelope, n) ORDER BY n",
            envelopes,
        )
    finally:
        await connection.close()

    assert [row["well_formed"] for row in checked] == [True] * len(envelopes)
    for row in checked:
        datetime.fromisoformat(row["time"])  # the relay's reading of the time
