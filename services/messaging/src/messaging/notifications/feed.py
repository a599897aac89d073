"""The in-app feed: a person's live notifications, the unread count, reading them."""

import uuid

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.models import Notification
from messaging.notifications.models import NotificationStream
from shared.errors import NotFound
from shared.security import User


def recipient_of(user: User) -> uuid.UUID:
    """Whom notifications for this caller are addressed to: a student's or a parent's
    roster id, a member of staff's account id."""
    return user.person_id or user.account_id


def _mine(user: User) -> tuple[ColumnElement[bool], ...]:
    return (
        Notification.recipient_person_id == recipient_of(user),
        Notification.school_id == user.school_id,
        Notification.superseded_at.is_(None),
    )


async def list_notifications(
    session: AsyncSession, user: User, *, limit: int, offset: int, unread_only: bool = False
) -> tuple[list[Notification], int, int]:
    """The caller's live notifications, newest first; how many there are; how many unread."""
    mine = _mine(user)
    if unread_only:
        mine = (*mine, Notification.read_at.is_(None))
    counts = (
        await session.execute(
            select(
                func.count(),
                func.count().filter(Notification.read_at.is_(None)),
            )
            .select_from(Notification)
            .where(*_mine(user))
        )
    ).one()
    total = counts[1] if unread_only else counts[0]
    items = await session.scalars(
        select(Notification)
        .where(*mine)
        .order_by(Notification.created_at.desc(), Notification.seq.desc(), Notification.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(items), total, counts[1]


async def unread_for(session: AsyncSession, recipient: uuid.UUID, school: uuid.UUID) -> int:
    """How many live notifications the recipient has not read."""
    found = await session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(
            Notification.recipient_person_id == recipient,
            Notification.school_id == school,
            Notification.superseded_at.is_(None),
            Notification.read_at.is_(None),
        )
    )
    return found or 0


async def mark_read(session: AsyncSession, user: User, notification_id: uuid.UUID) -> None:
    """Mark one of the caller's notifications read; the first reading time is kept."""
    found = await session.scalar(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.recipient_person_id == recipient_of(user),
            Notification.school_id == user.school_id,
        )
        .values(read_at=func.coalesce(Notification.read_at, func.now()))
        .returning(Notification.id)
    )
    if found is None:
        raise NotFound("notification")


async def mark_all_read(session: AsyncSession, user: User) -> int:
    """Mark every unread notification of the caller read; how many were."""
    rows = await session.scalars(
        update(Notification)
        .where(*_mine(user), Notification.read_at.is_(None))
        .values(read_at=func.now())
        .returning(Notification.id)
    )
    return len(list(rows))


SINCE_LIMIT = 500


async def last_position(session: AsyncSession, recipient: uuid.UUID) -> int:
    """The recipient's newest stream position (0 before their first notification)."""
    found = await session.scalar(
        select(NotificationStream.last_seq).where(NotificationStream.recipient_id == recipient)
    )
    return found or 0


async def since(
    session: AsyncSession,
    recipient: uuid.UUID,
    school: uuid.UUID,
    after: int,
    limit: int = SINCE_LIMIT,
) -> list[Notification]:
    """A recipient's live notifications after stream position `after`, in stream order
    (one superseded meanwhile is not sent: its successor is, naming it in `supersedes`)."""
    rows = await session.scalars(
        select(Notification)
        .where(
            Notification.recipient_person_id == recipient,
            Notification.school_id == school,
            Notification.seq > after,
            Notification.superseded_at.is_(None),
        )
        .order_by(Notification.seq)
        .limit(limit)
    )
    return list(rows)


async def superseded_by(
    session: AsyncSession, recipient: uuid.UUID, school: uuid.UUID, notices: list[Notification]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """For each notice, the recipient's older notices of its aggregate it withdrew."""
    aggregates = {n.aggregate for n in notices if n.aggregate}
    if not aggregates:
        return {}
    rows = await session.execute(
        select(Notification.aggregate, Notification.id)
        .where(
            Notification.recipient_person_id == recipient,
            Notification.school_id == school,
            Notification.aggregate.in_(aggregates),
            Notification.superseded_at.is_not(None),
        )
        .order_by(Notification.seq)
    )
    older: dict[str, list[uuid.UUID]] = {}
    for aggregate, notice_id in rows:
        older.setdefault(aggregate or "", []).append(notice_id)
    return {n.id: older.get(n.aggregate or "", []) for n in notices}
