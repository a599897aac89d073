"""The event contracts (shared.contracts): CloudEvents 1.0 envelopes, routing keys
`<service>.<aggregate>.<fact>.v<N>`, one module per producer, tolerant readers."""

import re
import typing
import uuid
from datetime import UTC, date, datetime
from typing import Any, get_args, get_origin

import pytest
from pydantic import BaseModel

from shared.contracts import ALL_EVENTS, BY_ROUTING_KEY
from shared.events import CloudEvent, Event

ROUTING_KEY = re.compile(r"^(auth|journal|messaging|reporting|archive)\.[a-z_]+\.[a-z_]+\.v\d+$")


def sample_value(annotation: Any) -> Any:
    origin = get_origin(annotation)
    if origin is dict or annotation is Any:
        return {}
    if origin is typing.Literal:
        return get_args(annotation)[0]
    if origin in (list, tuple):
        return [sample_value(get_args(annotation)[0])]
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return sample_value(next(a for a in get_args(annotation) if a is not type(None)))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):  # a nested part
        return annotation(
            **{name: sample_value(f.annotation) for name, f in annotation.model_fields.items()}
        )
    return {
        uuid.UUID: uuid.uuid4(),
        str: "Математика",
        int: 4,
        float: 4.5,
        date: date(2026, 11, 27),
        datetime: datetime(2026, 11, 27, tzinfo=UTC),
        bool: True,
    }[annotation]


def sample(event_type: type[Event]) -> Event:
    own = {
        name: sample_value(field.annotation)
        for name, field in event_type.model_fields.items()
        if name not in Event.model_fields
    }
    return event_type(school_id=uuid.uuid4(), version=3, **own)


@pytest.mark.parametrize("event_type", ALL_EVENTS, ids=lambda e: e.__name__)
def test_each_event_has_a_versioned_routing_key_of_its_producer(event_type: type[Event]) -> None:
    assert ROUTING_KEY.match(event_type.routing_key)
    producer = event_type.__module__.rsplit(".", 1)[-1]
    assert event_type.routing_key.startswith(producer + ".")
    assert BY_ROUTING_KEY[event_type.routing_key] is event_type


@pytest.mark.parametrize("event_type", ALL_EVENTS, ids=lambda e: e.__name__)
def test_each_event_travels_as_a_cloudevent_and_back(event_type: type[Event]) -> None:
    event = sample(event_type)
    envelope = CloudEvent.from_json(event.to_cloudevent(traceparent="00-abc-def-01").to_json())

    assert envelope.specversion == "1.0"
    assert envelope.type == event_type.routing_key
    assert envelope.source == "/" + event_type.routing_key.split(".")[0]
    assert envelope.subject.startswith(event_type.aggregate + "/")
    assert envelope.id == event.event_id and envelope.version == 3
    assert envelope.schoolid == str(event.school_id)
    assert envelope.traceparent == "00-abc-def-01"
    assert "event_id" not in envelope.data and "school_id" not in envelope.data
    assert event_type.from_cloudevent(envelope) == event


@pytest.mark.parametrize("event_type", ALL_EVENTS, ids=lambda e: e.__name__)
def test_consumers_ignore_fields_they_do_not_know(event_type: type[Event]) -> None:
    envelope = sample(event_type).to_cloudevent()
    newer = envelope.model_copy(update={"data": {**envelope.data, "added_later": "x"}})
    assert event_type.from_cloudevent(newer) == event_type.from_cloudevent(envelope)


def test_events_carry_no_childrens_names() -> None:
    personal = {"last_name", "first_name", "middle_name", "birth_date", "phone", "email"}
    for event_type in ALL_EVENTS:
        if event_type.routing_key.startswith("journal."):
            assert not personal & set(event_type.model_fields), event_type.__name__


def test_contracts_are_pydantic_models_with_unique_routing_keys() -> None:
    assert all(issubclass(e, BaseModel) for e in ALL_EVENTS)
    assert len({e.routing_key for e in ALL_EVENTS}) == len(ALL_EVENTS)


def test_year_closed_carries_a_manifest_whose_newer_counts_an_older_reader_ignores() -> None:
    from shared.contracts.journal import YearClosed

    event = sample(YearClosed)
    assert isinstance(event, YearClosed)
    envelope = event.to_cloudevent()
    assert envelope.type == "journal.year.closed.v1"
    assert envelope.subject == f"year/{event.year_id}"
    data = envelope.data
    assert data["manifest"]["format"] == "journal-export/1"
    entry = data["manifest"]["class_journals"][0]
    # A record kind added later is a new counter: an older reader ignores it.
    entry["counts"]["kind_added_later"] = 7
    newer = envelope.model_copy(update={"data": data})
    assert YearClosed.from_cloudevent(newer) == event


def test_closing_and_reopening_a_period_are_facts_about_the_period() -> None:
    from shared.contracts.journal import PeriodClosed, PeriodReopened

    assert PeriodClosed.routing_key == "journal.period.closed.v1"
    assert PeriodReopened.routing_key == "journal.period.reopened.v1"
    for event_type in (PeriodClosed, PeriodReopened):
        event = sample(event_type)
        envelope = event.to_cloudevent()
        # One aggregate for both, so the period's version orders a closing and a reopening.
        assert envelope.subject == f"period/{event.period_id}"  # type: ignore[attr-defined]
        assert "reason" not in envelope.data
