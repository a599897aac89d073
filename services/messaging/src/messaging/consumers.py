"""What messaging subscribes to: every handler in one place."""

from messaging import service
from shared.bus import Subscription
from shared.contracts.journal import (
    AttendanceMarked,
    GuardianLinked,
    MarkChanged,
    MarkPosted,
    MarkRemoved,
)
from shared.db import Database
from shared.events import Event
from shared.inbox import Batched, subscription
from shared.topology import bindings_of

CONSUMER = "messaging"


# Each applies a batch's events of its type at once. Links first when both arrive in one
# batch: a notice goes to the guardians linked by then.
HANDLERS: dict[type[Event], Batched] = {
    GuardianLinked: Batched(service.link_guardians),
    MarkPosted: Batched(service.notify_marks_posted),
    MarkChanged: Batched(service.notify_marks_changed),
    MarkRemoved: Batched(service.notify_marks_removed),
    AttendanceMarked: Batched(service.notify_attendance),
}
BINDINGS = bindings_of(CONSUMER, HANDLERS)


def subscriptions(db: Database) -> list[Subscription]:
    return [subscription(db, CONSUMER, HANDLERS)]
