"""Archive use cases: keep received events, and count them for a school."""

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from archive.models import ReceivedEvent
from shared.events import CloudEvent
from shared.security import User

# Archiving is the administration's and the system administrator's business.
SUMMARY_READERS = ("director", "deputy", "sysadmin")


async def store_received(session: AsyncSession, envelopes: Sequence[CloudEvent]) -> None:
    """Keep received events as they arrived, in one statement (an event already kept is
    left as it is)."""
    if envelopes:
        await session.execute(
            insert(ReceivedEvent).on_conflict_do_nothing(),
            [envelope.as_record() for envelope in envelopes],
        )


async def received_summary(session: AsyncSession, user: User) -> dict[str, int]:
    """How many events of each type were received for the caller's school."""
    user.require(*SUMMARY_READERS)
    rows = await session.execute(
        select(ReceivedEvent.event_type, func.count())
        .where(ReceivedEvent.school_id == user.school_id)
        .group_by(ReceivedEvent.event_type)
        .order_by(ReceivedEvent.event_type)
    )
    return {event_type: int(count) for event_type, count in rows}
