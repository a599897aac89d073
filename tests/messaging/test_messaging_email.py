"""Email through a real local SMTP server (aiosmtpd): a notification's email at once, or
after the person's quiet hours, or one daily digest at their hour (an injected clock);
a failing SMTP server loses nothing (the outbox retries); Russian subject and body; no
address in the logs."""

import email
import email.policy
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, time, timedelta
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from live_stream import free_port
from messaging_events import mark_versions
from sqlalchemy import select

from messaging.notifications.fanout import email_due
from messaging.notifications.jobs import NotificationJobs
from messaging.notifications.models import OutgoingEmail, Preferences, SchoolEmail
from messaging.settings import Settings
from shared.contracts.auth import SchoolRegistered
from shared.contracts.journal import GuardianLinked
from shared.db import Database
from shared.events import CloudEvent, Event

Deliver = Callable[[Event], Awaitable[CloudEvent]]
MOSCOW = ZoneInfo("Europe/Moscow")
PARENT_ADDRESS = "mama.ivanova@example.org"


class Mailbox:
    """aiosmtpd's handler: keeps what it accepts; refuses (451) while `failing`."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.failing = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.failing:
            return "451 4.3.0 Try again later"
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(parsed)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def jobs_for(db: Database, port: int) -> NotificationJobs:
    return NotificationJobs(
        db, Settings(database_url=db.url, smtp_host="127.0.0.1", smtp_port=port)
    )


async def a_family(
    db: Database,
    deliver: Deliver,
    *,
    delivery: str = "immediate",
    quiet: tuple[time, time] | None = None,
    last_digest_at: datetime | None = None,
) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    school, student, parent = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await deliver(SchoolRegistered(school_id=school, name="Школа № 1", timezone="Europe/Moscow"))
    await deliver(GuardianLinked(school_id=school, guardian_id=parent, student_id=student))
    async with db.transaction() as session:
        session.add(
            SchoolEmail(
                school_id=school,
                enabled=True,
                sender="school1@example.org",
                updated_at=datetime.now(UTC),
            )
        )
        session.add(
            Preferences(
                recipient_id=parent,
                school_id=school,
                muted=[],
                delivery=delivery,
                digest_hour=18,
                quiet_from=quiet[0] if quiet else None,
                quiet_to=quiet[1] if quiet else None,
                email=PARENT_ADDRESS,
                last_digest_at=last_digest_at,
                updated_at=datetime.now(UTC),
            )
        )
    return school, student, parent


async def outbox(db: Database, recipient: uuid.UUID) -> list[OutgoingEmail]:
    async with db.transaction() as session:
        rows = await session.scalars(
            select(OutgoingEmail).where(OutgoingEmail.recipient_id == recipient)
        )
        return list(rows)


async def test_a_notification_is_emailed_at_once_in_russian(
    db: Database, deliver: Deliver, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    school, student, parent = await a_family(db, deliver)
    posted, *_ = mark_versions(school, student)
    await deliver(posted)

    await jobs_for(db, port).run_once()

    [message] = mailbox.received
    assert message["To"] == PARENT_ADDRESS
    assert message["Subject"] == "Новая отметка"
    assert "school1@example.org" in message["From"]
    assert "Электронный журнал" in message["From"]
    body = message.get_content()
    assert "Новая отметка 3 (Контрольная работа, вес 3) по предмету «Математика»" in body
    [sent] = await outbox(db, parent)
    assert sent.sent_at is not None and sent.attempts == 0
    assert await outbox(db, student) == []  # the student gave no address


async def test_a_failing_smtp_server_loses_nothing(
    db: Database,
    deliver: Deliver,
    smtp: tuple[Mailbox, int],
    caplog: pytest.LogCaptureFixture,
) -> None:
    mailbox, port = smtp
    school, student, parent = await a_family(db, deliver)
    posted, *_ = mark_versions(school, student)
    await deliver(posted)
    jobs = jobs_for(db, port)
    now = datetime.now(UTC)
    mailbox.failing = True

    with caplog.at_level(logging.INFO):
        await jobs.run_once(now)
    [waiting] = await outbox(db, parent)
    assert (waiting.sent_at, waiting.attempts, waiting.last_error) == (None, 1, "SMTPDataError")
    assert waiting.due_at > now
    await jobs.run_once(now)  # not due again yet: nothing is tried
    assert (await outbox(db, parent))[0].attempts == 1

    down = NotificationJobs(
        db, Settings(database_url=db.url, smtp_host="127.0.0.1", smtp_port=free_port())
    )
    with caplog.at_level(logging.INFO):
        await down.run_once(waiting.due_at)  # no server at all this time
    assert (await outbox(db, parent))[0].attempts == 2

    mailbox.failing = False
    await jobs.run_once(now + timedelta(hours=2))

    [sent] = await outbox(db, parent)
    assert sent.sent_at is not None
    assert len(mailbox.received) == 1
    ours = [r for r in caplog.records if not r.name.startswith("mail.")]  # not aiosmtpd's
    assert any(r.getMessage() == "email failed" for r in ours)
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in ours)
    assert PARENT_ADDRESS not in logged
    assert "Математика" not in logged


async def test_quiet_hours_hold_an_email_until_they_end(
    db: Database, deliver: Deliver, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    # Quiet from a minute ago for a few minutes (school time): the email waits.
    local_now = datetime.now(MOSCOW)
    start = (local_now - timedelta(minutes=1)).time().replace(second=0, microsecond=0)
    end = (local_now + timedelta(minutes=3)).time().replace(second=0, microsecond=0)
    school, student, parent = await a_family(db, deliver, quiet=(start, end))
    posted, *_ = mark_versions(school, student)
    await deliver(posted)
    [queued] = await outbox(db, parent)
    assert queued.due_at > datetime.now(UTC) + timedelta(minutes=1)
    assert queued.due_at.astimezone(MOSCOW).time() == end

    await jobs_for(db, port).run_once()
    assert mailbox.received == []

    await jobs_for(db, port).run_once(queued.due_at)
    assert len(mailbox.received) == 1


def test_when_an_email_may_go() -> None:
    night = (time(22, 0), time(7, 0))
    evening = datetime(2026, 12, 1, 20, 30, tzinfo=MOSCOW)  # outside
    late = datetime(2026, 12, 1, 23, 15, tzinfo=MOSCOW)
    early = datetime(2026, 12, 2, 6, 59, tzinfo=MOSCOW)
    assert email_due(evening, MOSCOW, *night) == evening
    assert email_due(late, MOSCOW, *night) == datetime(2026, 12, 2, 7, 0, tzinfo=MOSCOW)
    assert email_due(early, MOSCOW, *night) == datetime(2026, 12, 2, 7, 0, tzinfo=MOSCOW)
    lesson_time = (time(9, 0), time(14, 0))
    assert email_due(evening, MOSCOW, *lesson_time) == evening
    at_ten = datetime(2026, 12, 1, 10, 0, tzinfo=MOSCOW)
    assert email_due(at_ten, MOSCOW, *lesson_time) == datetime(2026, 12, 1, 14, 0, tzinfo=MOSCOW)
    assert email_due(at_ten, MOSCOW, None, None) == at_ten


async def test_a_daily_digest_goes_once_at_the_chosen_hour_of_the_schools_day(
    db: Database, deliver: Deliver, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    started = datetime.now(UTC)
    school, student, parent = await a_family(
        db, deliver, delivery="digest", last_digest_at=started - timedelta(hours=1)
    )
    first, changed, _, _ = mark_versions(school, student)
    other, *_ = mark_versions(school, student)
    await deliver(first)
    await deliver(changed)  # supersedes the first: the digest tells the correction only
    await deliver(other)
    assert await outbox(db, parent) == []  # nothing at once
    tomorrow = (started.astimezone(MOSCOW) + timedelta(days=1)).date()
    jobs = jobs_for(db, port)

    await jobs.run_once(datetime.combine(tomorrow, time(17, 0), MOSCOW))
    assert mailbox.received == []
    await jobs.run_once(datetime.combine(tomorrow, time(18, 5), MOSCOW))
    await jobs.run_once(datetime.combine(tomorrow, time(21, 0), MOSCOW))

    [digest] = mailbox.received
    assert digest["Subject"] == f"Электронный дневник: сводка за {tomorrow:%d.%m.%Y}"
    body = digest.get_content()
    assert body.count("• ") == 2
    assert "исправлена: 3 → 4" in body
    assert "Новая отметка 3" in body  # the other mark
    assert body.index("исправлена") < body.rindex("Новая отметка")
