"""Archive use cases: keep received events, and count them for a school."""

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from archive.models import ReceivedEvent
from shared.events import CloudEvent
from shared.security import User

# Archiving is the administration's and the system administrator's business.
SUMMARY_READERS = ("director", "deputy", "sysadmin")


async def store_received(session: AsyncSession, envelope: CloudEvent) -> bool:
    """Keep a received event as it arrived; False if it is already kept."""
    result = await session.execute(
        insert(ReceivedEvent)
        .values(**envelope.as_record())
        .on_conflict_do_nothing()
        .returning(ReceivedEvent.event_id)
    )
    return result.first() is not None


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
