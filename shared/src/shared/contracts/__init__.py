"""Event contracts, one module per producing service.

Routing keys are `<service>.<aggregate>.<fact>.v<N>`; a breaking change is a new version
published side by side with the old one.
"""

from collections.abc import Iterable

from shared.contracts import archive, auth, journal, messaging, reporting
from shared.events import Bundle, Event

ALL_EVENTS: tuple[type[Event], ...] = (
    *auth.EVENTS,
    *journal.EVENTS,
    *archive.EVENTS,
    *reporting.EVENTS,
    *messaging.EVENTS,
)
BY_ROUTING_KEY: dict[str, type[Event]] = {e.routing_key: e for e in ALL_EVENTS}
BUNDLES: tuple[type[Bundle], ...] = tuple(e for e in ALL_EVENTS if issubclass(e, Bundle))


def with_bundles(events: Iterable[type[Event]]) -> tuple[type[Event], ...]:
    """`events` and the bundles that may carry any of them, without repeats: what a consumer
    of `events` must be bound to (a bundle's events arrive only inside it)."""
    wanted = tuple(dict.fromkeys(events))
    carrying = (bundle for bundle in BUNDLES if set(wanted).intersection(bundle.carries))
    return tuple(dict.fromkeys((*wanted, *carrying)))
