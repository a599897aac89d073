"""Event contracts, one module per producing service.

Routing keys are `<service>.<aggregate>.<fact>.v<N>`; a breaking change is a new version
published side by side with the old one.
"""

from shared.contracts import archive, auth, journal, messaging, reporting
from shared.events import Event

ALL_EVENTS: tuple[type[Event], ...] = (
    *auth.EVENTS,
    *journal.EVENTS,
    *archive.EVENTS,
    *reporting.EVENTS,
    *messaging.EVENTS,
)
BY_ROUTING_KEY: dict[str, type[Event]] = {e.routing_key: e for e in ALL_EVENTS}
