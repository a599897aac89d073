"""What reporting subscribes to: every known event goes to the log; the projected ones
also feed the projections (projections/registry.py lists which table each event writes).

The log keeps each event exactly as it arrived (unknown fields included), so that
projections added later can be built from it.
"""

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from reporting.event_log import log_event
from reporting.projections.rebuild import apply_envelopes, rebuild_projections
from reporting.projections.registry import PROJECTED
from reporting.projections.tables import PeriodStateRow
from reporting.schedules.produce import on_period_closed
from shared.bus import Subscription
from shared.contracts import ALL_EVENTS
from shared.contracts.journal import PeriodClosed
from shared.db import Database
from shared.events import CloudEvent, Event
from shared.inbox import subscription
from shared.revocations import REVOCATION_HANDLERS
from shared.topology import bindings_of

CONSUMER = "reporting"


async def log_and_project(session: AsyncSession, envelopes: Sequence[CloudEvent]) -> None:
    """A batch's new events: appended to the log, then applied to the projections, each
    projection once for the whole batch (projections/rebuild.py, apply_events)."""
    await log_event(session, envelopes)
    await apply_envelopes(session, envelopes)
    await _reports_of_closed_periods(session, envelopes)


async def _reports_of_closed_periods(
    session: AsyncSession, envelopes: Sequence[CloudEvent]
) -> None:
    """A period closed (and still closed after this batch): its reports, produced once."""
    for envelope in envelopes:
        if envelope.type != PeriodClosed.routing_key or envelope.schoolid is None:
            continue
        closed = PeriodClosed.from_cloudevent(envelope)
        state = await session.get(PeriodStateRow, closed.period_id)
        if state is not None and state.closed and state.version == closed.version:
            await on_period_closed(session, uuid.UUID(envelope.schoolid), closed.period_id)


# What the projections are built from (registry.py lists which table each event writes);
# every other known event is only logged.
PROJECTED_EVENTS: tuple[type[Event], ...] = PROJECTED
# Every known event is logged, so the queue is bound to all of them.
BINDINGS = bindings_of(CONSUMER, ALL_EVENTS)


def subscriptions(db: Database) -> list[Subscription]:
    """Every known event is logged as it arrived and projected in the same transaction."""
    # Revoked sessions and disabled accounts: their tokens are refused by reporting too.
    return [
        subscription(db, CONSUMER, REVOCATION_HANDLERS, also=ALL_EVENTS, record=log_and_project)
    ]


__all__ = ["BINDINGS", "CONSUMER", "PROJECTED_EVENTS", "rebuild_projections", "subscriptions"]
