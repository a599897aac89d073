"""What journal consumes, all in one place: auth's school and staff facts, and archive's
seal of a closed year."""

from sqlalchemy.ext.asyncio import AsyncSession

from journal.school import service
from journal.yearend.archived import mark_archived
from shared.bus import Subscription
from shared.contracts.archive import YearSealed
from shared.contracts.auth import SchoolRegistered, StaffAccountCreated
from shared.db import Database
from shared.events import Event
from shared.inbox import Batched, Effect, subscription
from shared.revocations import REVOCATION_HANDLERS
from shared.topology import bindings_of

CONSUMER = "journal"


async def on_school_registered(session: AsyncSession, event: SchoolRegistered) -> None:
    await service.register_school(session, event)


# A school is rare and brings its work types, so it is applied on its own; staff members
# come in bulk, one statement per batch.
HANDLERS: dict[type[Event], Effect] = {
    SchoolRegistered: on_school_registered,
    StaffAccountCreated: Batched(service.record_staff),
    YearSealed: mark_archived,
    # Revoked sessions and disabled accounts: their tokens are refused at once.
    **REVOCATION_HANDLERS,
}
BINDINGS = bindings_of(CONSUMER, HANDLERS)


def subscriptions(db: Database) -> list[Subscription]:
    return [subscription(db, CONSUMER, HANDLERS)]
