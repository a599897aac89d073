"""What messaging subscribes to: every handler in one place."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from messaging.directory import consumers as directory
from messaging.notifications import facts, projections
from shared.bus import Subscription
from shared.contracts.archive import YearSealed
from shared.contracts.auth import SchoolRegistered
from shared.contracts.journal import (
    AttendanceCleared,
    AttendanceMarked,
    ClassOpened,
    FinalMarkRemoved,
    FinalMarkSet,
    GradingSettingsChanged,
    GuardianLinked,
    GuardianUnlinked,
    HomeworkCleared,
    HomeworkSet,
    MarkChanged,
    MarkPosted,
    MarkRemoved,
    PeriodClosed,
    PeriodReopened,
    RemarkWritten,
    StudentEnrolled,
    StudentLeft,
    WorkTypeChanged,
    YearCalendarChanged,
)
from shared.contracts.reporting import CheckCompleted, ReportReady
from shared.db import Database
from shared.events import Event
from shared.inbox import Batched, subscription
from shared.revocations import REVOCATION_HANDLERS
from shared.topology import bindings_of

CONSUMER = "messaging"


# Each applies a batch's events of its type at once, in this order: the projections that
# address and word notifications first (a notice goes to the guardians linked by then),
# then the news, tombstones before changes before first facts, so that of a mark posted,
# changed and removed in one batch only the removal is told (any order ends with the same
# live notifications: messaging.notifications.fanout).
HANDLERS: dict[type[Event], Batched] = {
    SchoolRegistered: Batched(projections.register_schools),
    GuardianLinked: Batched(projections.link_guardians),
    GuardianUnlinked: Batched(projections.link_guardians),
    StudentEnrolled: Batched(projections.enroll),
    StudentLeft: Batched(projections.enroll),
    ClassOpened: Batched(projections.open_classes),
    WorkTypeChanged: Batched(projections.keep_work_types),
    GradingSettingsChanged: Batched(projections.keep_grading),
    YearCalendarChanged: Batched(projections.keep_periods),
    RemarkWritten: Batched(projections.keep_remarks),
    MarkRemoved: Batched(facts.marks),
    MarkChanged: Batched(facts.marks),
    MarkPosted: Batched(facts.marks),
    AttendanceCleared: Batched(facts.attendance),
    AttendanceMarked: Batched(facts.attendance),
    HomeworkCleared: Batched(facts.homework),
    HomeworkSet: Batched(facts.homework),
    FinalMarkRemoved: Batched(facts.final_marks),
    FinalMarkSet: Batched(facts.final_marks),
    PeriodReopened: Batched(facts.periods),
    PeriodClosed: Batched(facts.periods),
    ReportReady: Batched(facts.reports),
    CheckCompleted: Batched(facts.reports),
    YearSealed: Batched(facts.sealed_years),
    # Revoked sessions and disabled accounts: their tokens are refused at once.
    **REVOCATION_HANDLERS,
}


def merged(*tables: dict[type[Event], Batched]) -> dict[type[Event], Batched]:
    """Handler tables as one, in their order; an event both handle gets both effects."""
    out: dict[type[Event], Batched] = {}
    for table in tables:
        for event_type, effect in table.items():
            held = out.get(event_type)
            out[event_type] = effect if held is None else _both(held, effect)
    return out


def _both(first: Batched, second: Batched) -> Batched:
    async def apply(session: AsyncSession, events: list[Any]) -> None:
        await first.apply(session, events)
        await second.apply(session, events)

    return Batched(apply)


# The directory (people, classes, links) first: mail and notices resolve against it.
HANDLERS = merged(directory.HANDLERS, HANDLERS)
BINDINGS = bindings_of(CONSUMER, HANDLERS)


def subscriptions(db: Database) -> list[Subscription]:
    return [subscription(db, CONSUMER, HANDLERS)]
