"""What archive subscribes to: the journal's events, each kept once as it arrived, and
`journal.year.closed`, which puts the year in line to be sealed (archive.sealing; the
seal itself runs outside the delivery's transaction, in archive.jobs or the command).

Archive keeps events exactly as they arrived; the payload is still validated against its
contract first, so a malformed event is dead-lettered, not kept.
"""

import logging
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from archive import service
from archive.sealing import record_closed_year
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
    YearClosed,
)
from shared.db import Database
from shared.events import CloudEvent, Event
from shared.inbox import Effect, subscription
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


async def on_year_closed(session: AsyncSession, event: YearClosed) -> None:
    await record_closed_year(session, event)


HANDLERS: dict[type[Event], Effect] = {
    YearClosed: on_year_closed,
    # Revoked sessions and disabled accounts: their tokens are refused at once.
    **REVOCATION_HANDLERS,
}
BINDINGS = bindings_of(CONSUMER, (*RECEIVED, *HANDLERS))
_KEPT = frozenset(event_type.routing_key for event_type in RECEIVED)


async def _keep_journal_events(session: AsyncSession, envelopes: Sequence[CloudEvent]) -> None:
    """The journal's events are kept; a year's closing and auth's revocations are applied
    (HANDLERS), not kept."""
    await service.store_received(session, [e for e in envelopes if e.type in _KEPT])


def subscriptions(db: Database) -> list[Subscription]:
    return [subscription(db, CONSUMER, HANDLERS, also=RECEIVED, record=_keep_journal_events)]
