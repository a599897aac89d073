"""What journal consumes, all in one place: auth's school and staff facts."""

from sqlalchemy.ext.asyncio import AsyncSession

from journal.school import service
from shared.bus import Subscription
from shared.contracts.auth import SchoolRegistered, StaffAccountCreated
from shared.db import Database
from shared.events import Event
from shared.inbox import EventHandler, subscription
from shared.topology import bindings_of

CONSUMER = "journal"


async def on_school_registered(session: AsyncSession, event: SchoolRegistered) -> None:
    await service.register_school(session, event)


async def on_staff_created(session: AsyncSession, event: StaffAccountCreated) -> None:
    await service.record_staff(session, event)


HANDLERS: dict[type[Event], EventHandler] = {
    SchoolRegistered: on_school_registered,
    StaffAccountCreated: on_staff_created,
}
BINDINGS = bindings_of(CONSUMER, HANDLERS)


def subscriptions(db: Database) -> list[Subscription]:
    return [subscription(db, CONSUMER, HANDLERS)]
