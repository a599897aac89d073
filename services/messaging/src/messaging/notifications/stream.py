"""The live feed: server-sent events to open clients, woken by PostgreSQL LISTEN/NOTIFY.

The consumer process writes notifications and, in the same transaction, NOTIFYs the
recipients' ids (fanout.wake_streams), as mail does for a mailbox it is delivered to, read
or archived in (the stream carries the mail's unread count too); every API process
LISTENs on one connection of its own and wakes the streams of those recipients, which
read what is new after their last position. The same works in both modes, one process or
many. A stream also reads on every heartbeat, so a lost LISTEN connection (a database
restart) only slows it down until the hub has reconnected. Positions are per recipient and
commit in order (NotificationStream), so `Last-Event-ID` resumes exactly after what the
client saw.
"""

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Mapping

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.models import Notification
from messaging.notifications import feed
from messaging.notifications.fanout import NOTIFY_CHANNEL
from messaging.notifications.schemas import NotificationOut
from shared.db import Database, asyncpg_dsn

log = logging.getLogger(__name__)

RECONNECT_DELAY = 1.0
CONNECT_TIMEOUT = 5.0


class NotificationHub:
    """One LISTEN connection per process, and the open streams by recipient."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._streams: dict[uuid.UUID, set[asyncio.Event]] = {}
        self._connection: asyncpg.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._lost = asyncio.Event()
        self.listening = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._keep_listening(), name="notification-hub")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._close()

    def subscribe(self, recipient: uuid.UUID, wake: asyncio.Event | None = None) -> asyncio.Event:
        """The event set when `recipient` has news (`wake`: one more id for a stream's)."""
        wake = wake or asyncio.Event()
        self._streams.setdefault(recipient, set()).add(wake)
        return wake

    def unsubscribe(self, recipient: uuid.UUID, wake: asyncio.Event) -> None:
        streams = self._streams.get(recipient)
        if streams is not None:
            streams.discard(wake)
            if not streams:
                del self._streams[recipient]

    def open_streams(self) -> int:
        return sum(len(s) for s in self._streams.values())

    def _on_notify(self, _conn: object, _pid: object, _channel: object, payload: object) -> None:
        for part in str(payload).split(","):
            try:
                recipient = uuid.UUID(part)
            except ValueError:
                continue
            for wake in self._streams.get(recipient, ()):
                wake.set()

    def _on_lost(self, *_: object) -> None:
        self.listening.clear()
        self._lost.set()
        self._wake_all()  # they read now, and on every heartbeat until LISTEN is back

    def _wake_all(self) -> None:
        for streams in self._streams.values():
            for wake in streams:
                wake.set()

    async def _keep_listening(self) -> None:
        dsn = asyncpg_dsn(self.db.engine.url.render_as_string(hide_password=False))
        failed = False
        while True:
            self._lost.clear()
            try:
                connection = await asyncpg.connect(dsn, timeout=CONNECT_TIMEOUT)
                connection.add_termination_listener(self._on_lost)
                await connection.add_listener(NOTIFY_CHANNEL, self._on_notify)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                if not failed:
                    log.warning(
                        "notification LISTEN unavailable", extra={"error_type": type(exc).__name__}
                    )
                failed = True
                await asyncio.sleep(RECONNECT_DELAY)
                continue
            if failed:
                log.info("notification LISTEN restored")
                failed = False
            self._connection = connection
            self.listening.set()
            self._wake_all()  # whatever was committed while nobody listened
            await self._lost.wait()
            await self._close()
            await asyncio.sleep(RECONNECT_DELAY)

    async def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and not connection.is_closed():
            with contextlib.suppress(Exception):
                await connection.close(timeout=5)


def _event(notice: Notification, supersedes: list[uuid.UUID]) -> str:
    data = NotificationOut.model_validate(notice).model_dump(mode="json")
    data["supersedes"] = [str(i) for i in supersedes]
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"id: {notice.seq}\nevent: notification\ndata: {body}\n\n"


# Unread mail of the stream's mailboxes, as `GET /mail/unread` counts it.
_MAIL_UNREAD = text(
    "SELECT mailbox_id, count(*) AS unread FROM mailbox_entries "
    "WHERE mailbox_id = ANY(CAST(:mailboxes AS uuid[])) AND school_id = :school "
    "AND folder = 'inbox' AND read_at IS NULL AND archived_at IS NULL GROUP BY mailbox_id"
)


async def _mail_unread(
    session: AsyncSession, mailboxes: Mapping[str, uuid.UUID], school: uuid.UUID
) -> dict[str, int]:
    rows = await session.execute(
        _MAIL_UNREAD, {"mailboxes": sorted(set(mailboxes.values())), "school": school}
    )
    counts = {row.mailbox_id: row.unread for row in rows}
    return {name: counts.get(box, 0) for name, box in mailboxes.items()}


async def events(
    hub: NotificationHub,
    recipient: uuid.UUID,
    school: uuid.UUID,
    after: int,
    *,
    heartbeat: float,
    max_seconds: float,
    mailboxes: Mapping[str, uuid.UUID] | None = None,
) -> AsyncIterator[str]:
    """The stream of one recipient's notifications after position `after`: each as an
    SSE `notification` with its position as id, then the unread count (`unread`); with
    `mailboxes` (`inbox`, and `help` for a sysadmin), their unread mail as `mail`
    (`{"inbox": 3}`) whenever it changes, woken by mail delivered, read or archived; a
    comment line every `heartbeat` seconds; closed after `max_seconds` (the client
    reconnects with Last-Event-ID, and a fresh token)."""
    mailboxes = dict(mailboxes or {})
    wake = hub.subscribe(recipient)
    woken_by = {box for box in mailboxes.values() if box != recipient}
    for box in woken_by:
        hub.subscribe(box, wake)
    ends = time.monotonic() + max_seconds
    unread: int | None = None
    mail: dict[str, int] | None = None
    try:
        yield "retry: 2000\n\n"
        while time.monotonic() < ends:
            wake.clear()
            async with hub.db.transaction() as session:
                notices = await feed.since(session, recipient, school, after)
                withdrawn = await feed.superseded_by(session, recipient, school, notices)
                count = await feed.unread_for(session, recipient, school)
                mail_now = await _mail_unread(session, mailboxes, school) if mailboxes else None
            for notice in notices:
                yield _event(notice, withdrawn.get(notice.id, []))
                after = notice.seq or after
            if count != unread:
                unread = count
                yield f"event: unread\ndata: {json.dumps({'unread': count})}\n\n"
            if mail_now != mail:
                mail = mail_now
                yield f"event: mail\ndata: {json.dumps(mail)}\n\n"
            if len(notices) >= feed.SINCE_LIMIT:
                continue
            try:
                async with asyncio.timeout(max(0.0, min(heartbeat, ends - time.monotonic()))):
                    await wake.wait()
            except TimeoutError:
                yield ": keep-alive\n\n"
    finally:
        hub.unsubscribe(recipient, wake)
        for box in woken_by:
            hub.unsubscribe(box, wake)
