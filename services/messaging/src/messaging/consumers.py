"""What messaging subscribes to: every handler in one place."""

from sqlalchemy.ext.asyncio import AsyncSession

from messaging import service
from shared.bus import Subscription
from shared.contracts.journal import GuardianLinked, MarkPosted
from shared.db import Database
from shared.events import Event
from shared.inbox import EventHandler, subscription
from shared.topology import bindings_of

CONSUMER = "messaging"


async def on_guardian_linked(session: AsyncSession, event: GuardianLinked) -> None:
    await service.link_guardian(session, event)


async def on_mark_posted(session: AsyncSession, event: MarkPosted) -> None:
    await service.notify_mark_posted(session, event)


HANDLERS: dict[type[Event], EventHandler] = {
    GuardianLinked: on_guardian_linked,
    MarkPosted: on_mark_posted,
}
BINDINGS = bindings_of(CONSUMER, HANDLERS)


def subscriptions(db: Database) -> list[Subscription]:
    return [subscription(db, CONSUMER, HANDLERS)]
