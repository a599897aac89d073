"""Every consuming queue of the project and the routing keys bound to it, known without a
database or a running consumer.

An event is routed only to the queues that exist when it is published, so a relay
declares all of them before its first publish: an event staged while a consumer has
never run still waits for it in its queue. Each service's consumers module exposes its
`BINDINGS` (queue → routing keys) and names it in its pyproject.toml under the entry point
group `school.consumers`; shared/ collects them from the installed packages and never
imports a service.
"""

from collections.abc import Iterable, Mapping, Sequence
from importlib.metadata import entry_points

from shared.contracts import with_bundles
from shared.events import Event

ENTRY_POINT_GROUP = "school.consumers"

Bindings = Mapping[str, Sequence[str]]


def bindings_of(queue: str, events: Iterable[type[Event]]) -> dict[str, tuple[str, ...]]:
    """One queue bound to the routing keys of `events` (in their order, without repeats),
    and to those of the bundles that may carry any of them (shared.events.Bundle)."""
    return {queue: tuple(dict.fromkeys(event.routing_key for event in with_bundles(events)))}


def registered_bindings() -> dict[str, tuple[str, ...]]:
    """Every installed service's queues and their routing keys, merged by queue."""
    merged: dict[str, dict[str, None]] = {}
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        bindings: Bindings = entry_point.load()
        for queue, routing_keys in bindings.items():
            merged.setdefault(queue, {}).update(dict.fromkeys(routing_keys))
    if not merged:
        # A relay that declared nothing would publish into no queue at all.
        raise RuntimeError(
            f"no consumers registered under the entry point group {ENTRY_POINT_GROUP!r}: "
            "are the services' packages installed?"
        )
    return {queue: tuple(keys) for queue, keys in sorted(merged.items())}
