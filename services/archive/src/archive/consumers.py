"""What archive subscribes to: the journal's events, each kept once as it arrived.

Archive keeps events exactly as they arrived; the payload is still validated against its
contract first, so a malformed event is dead-lettered, not kept.
"""

import logging

from archive import service
from shared.bus import Subscription
from shared.contracts.journal import (
    AssignmentMade,
    AttendanceCleared,
    AttendanceMarked,
    ClassOpened,
    GuardianLinked,
    MarkChanged,
    MarkPosted,
    MarkRemoved,
    StudentEnrolled,
)
from shared.db import Database
from shared.events import Event
from shared.inbox import subscription
from shared.topology import bindings_of

log = logging.getLogger(__name__)

CONSUMER = "archive"

RECEIVED: tuple[type[Event], ...] = (
    ClassOpened,
    StudentEnrolled,
    GuardianLinked,
    AssignmentMade,
    MarkPosted,
    MarkChanged,
    MarkRemoved,
    AttendanceMarked,
    AttendanceCleared,
)
BINDINGS = bindings_of(CONSUMER, RECEIVED)


def subscriptions(db: Database) -> list[Subscription]:
    return [subscription(db, CONSUMER, {}, also=RECEIVED, record=service.store_received)]
