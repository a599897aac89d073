"""The scheduled work of messaging's consume process (and of the one-process mode): daily
digests, weekly progress letters and the email outbox, each pass at an instant given by
the caller (`run_once(now)`), so tests drive them with a clock of their own."""

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from messaging.models import Notification
from messaging.notifications import email, texts
from messaging.notifications.fanout import school_zones
from messaging.notifications.letters import send_letters
from messaging.notifications.models import (
    LetterSchedule,
    OutgoingEmail,
    Preferences,
    SchoolEmail,
)
from messaging.settings import Settings
from shared.db import Database
from shared.errors import Conflict

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
# A digest covers at most the day before its first sending (no flood of old news).
FIRST_DIGEST_SPAN = timedelta(days=1)


def utc_now() -> datetime:
    return datetime.now(UTC)


async def send_digests(db: Database, now: datetime) -> int:
    """For everyone taking a daily digest whose hour has come today (school time) and who
    had none today: one email with their live notifications since the last one."""
    queued = 0
    async with db.transaction() as session:
        rows = (
            await session.scalars(
                select(Preferences)
                .join(SchoolEmail, SchoolEmail.school_id == Preferences.school_id)
                .where(
                    Preferences.delivery == "digest",
                    Preferences.email.is_not(None),
                    SchoolEmail.enabled.is_(True),
                )
                .with_for_update(of=Preferences, skip_locked=True)
            )
        ).all()
        zones = await school_zones(session, {p.school_id for p in rows})
        for prefs in rows:
            local = now.astimezone(zones[prefs.school_id])
            if local.hour < prefs.digest_hour:
                continue
            if prefs.last_digest_at is not None and (
                prefs.last_digest_at.astimezone(zones[prefs.school_id]).date() >= local.date()
            ):
                continue
            since = prefs.last_digest_at or now - FIRST_DIGEST_SPAN
            news = (
                await session.scalars(
                    select(Notification.text)
                    .where(
                        Notification.recipient_person_id == prefs.recipient_id,
                        Notification.school_id == prefs.school_id,
                        Notification.superseded_at.is_(None),
                        Notification.created_at > since,
                        Notification.created_at <= now,
                    )
                    .order_by(Notification.created_at, Notification.seq)
                )
            ).all()
            prefs.last_digest_at = now
            if not news:
                continue
            assert prefs.email is not None
            session.add(
                OutgoingEmail(
                    id=uuid.uuid4(),
                    school_id=prefs.school_id,
                    recipient_id=prefs.recipient_id,
                    notification_id=None,
                    to_address=prefs.email,
                    subject=texts.digest_subject(local.date()),
                    body=texts.digest_body(list(news)),
                    created_at=now,
                    due_at=now,
                    attempts=0,
                )
            )
            queued += 1
    return queued


async def send_scheduled_letters(db: Database, now: datetime) -> int:
    """Each class whose weekly letters are due (its weekday, from its hour, school time)
    and not sent today: the letters for the seven days before today."""
    sent = 0
    async with db.transaction() as session:
        schedules = (
            await session.scalars(select(LetterSchedule).with_for_update(skip_locked=True))
        ).all()
        zones = await school_zones(session, {s.school_id for s in schedules})
    for schedule in schedules:
        local = now.astimezone(zones[schedule.school_id])
        today = local.date()
        if local.isoweekday() != schedule.weekday or local.hour < schedule.hour:
            continue
        if schedule.last_sent_on is not None and schedule.last_sent_on >= today:
            continue
        async with db.transaction() as session:
            held = await session.get(LetterSchedule, schedule.class_id, with_for_update=True)
            if held is None or (held.last_sent_on is not None and held.last_sent_on >= today):
                continue
            held.last_sent_on = today
            try:
                async with session.begin_nested():
                    await send_letters(
                        session,
                        school=held.school_id,
                        class_id=held.class_id,
                        author=held.author_id,
                        period_from=today - timedelta(days=7),
                        period_to=today - timedelta(days=1),
                        comment=held.comment,
                        scheduled=True,
                        now=now,
                    )
                sent += 1
            except Conflict:
                pass  # the class teacher sent this week's by hand already
    return sent


class NotificationJobs:
    """Runs the passes every `interval` seconds until stopped."""

    def __init__(self, db: Database, settings: Settings, clock: Clock = utc_now) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self._task: asyncio.Task[None] | None = None
        self.smtp = (
            email.SmtpServer(
                host=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username,
                password=settings.smtp_password,
                starttls=settings.smtp_starttls,
                timeout=settings.smtp_timeout,
            )
            if settings.smtp_host
            else None
        )

    async def run_once(self, now: datetime | None = None) -> None:
        now = now or self.clock()
        await send_scheduled_letters(self.db, now)
        await send_digests(self.db, now)
        if self.smtp is not None:
            while await email.send_due(self.db, self.smtp, now=now) == email.BATCH_SIZE:
                pass

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("notification jobs failed; retrying")
            await asyncio.sleep(self.settings.jobs_interval)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="notification-jobs")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


@contextlib.asynccontextmanager
async def running_jobs(settings: Settings, db: Database) -> AsyncIterator[NotificationJobs]:
    jobs = NotificationJobs(db, settings)
    await jobs.start()
    try:
        yield jobs
    finally:
        await jobs.stop()
