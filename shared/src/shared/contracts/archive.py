"""Events published by archive (year sealing arrives with the archive issue)."""

from shared.events import Event

EVENTS: tuple[type[Event], ...] = ()
