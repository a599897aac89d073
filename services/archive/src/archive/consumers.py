"""What archive subscribes to: the journal's events, each kept once as it arrived.

Archive keeps events exactly as they arrived; the payload is still validated against its
contract first, so a malformed event is dead-lettered, not kept.
"""

import logging
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

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
from shared.events import CloudEvent, Event
from shared.inbox import subscription
from shared.revocations import REVOCATION_HANDLERS
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
BINDINGS = bindings_of(CONSUMER, (*RECEIVED, *REVOCATION_HANDLERS))
_KEPT = frozenset(event_type.routing_key for event_type in RECEIVED)


async def _keep_journal_events(session: AsyncSession, envelopes: Sequence[CloudEvent]) -> None:
    """The journal's events are kept; auth's revocations only feed the token check."""
    await service.store_received(session, [e for e in envelopes if e.type in _KEPT])


def subscriptions(db: Database) -> list[Subscription]:
    return [
        subscription(db, CONSUMER, REVOCATION_HANDLERS, also=RECEIVED, record=_keep_journal_events)
    ]
