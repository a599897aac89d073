"""Sending the email outbox through SMTP.

A notification's email (or a digest) is a row of `email_outbox`, written in the same
transaction as what it tells. The sender claims due rows (FOR UPDATE SKIP LOCKED, so any
number of senders may run), hands them to the SMTP server and marks each sent only once
the server accepted it; a failure counts an attempt and retries later with a growing
delay, so an SMTP server that is down or refuses loses nothing. A row that failed
`max_attempts` times stays, unsent, for a look. The logs name rows by id, never an
address, a subject or a body.
"""

import asyncio
import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.notifications.models import OutgoingEmail, SchoolEmail
from shared.db import Database

log = logging.getLogger(__name__)

SENDER_NAME = "Электронный журнал"
BATCH_SIZE = 50


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int = 25
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0


def backoff(attempts: int) -> timedelta:
    """The wait after the n-th failed attempt: 30 s, 1 min, 2 min, ... at most an hour."""
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


def message_of(email: OutgoingEmail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr((SENDER_NAME, sender))
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Message-ID"] = make_msgid(idstring=str(email.id), domain=sender.rsplit("@", 1)[-1])
    message.set_content(email.body)  # UTF-8, as the headers are encoded
    return message


def _deliver(server: SmtpServer, messages: list[EmailMessage]) -> list[Exception | None]:
    """Send over one SMTP session; per message, None or what went wrong."""
    outcomes: list[Exception | None] = []
    with smtplib.SMTP(server.host, server.port, timeout=server.timeout) as smtp:
        if server.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if server.username:
            smtp.login(server.username, server.password or "")
        for message in messages:
            try:
                smtp.send_message(message)
                outcomes.append(None)
            except smtplib.SMTPException as exc:
                outcomes.append(exc)
    return outcomes


async def send_due(
    db: Database,
    server: SmtpServer,
    *,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
    max_attempts: int = 20,
) -> int:
    """Send the emails due by `now`; how many the server accepted."""
    now = now or datetime.now(UTC)
    async with db.transaction() as session:
        rows = (
            await session.execute(
                select(OutgoingEmail, SchoolEmail.sender)
                .join(SchoolEmail, SchoolEmail.school_id == OutgoingEmail.school_id)
                .where(
                    OutgoingEmail.sent_at.is_(None),
                    OutgoingEmail.cancelled_at.is_(None),
                    OutgoingEmail.due_at <= now,
                    OutgoingEmail.attempts < max_attempts,
                )
                .order_by(OutgoingEmail.due_at, OutgoingEmail.id)
                .limit(batch_size)
                .with_for_update(of=OutgoingEmail, skip_locked=True)
            )
        ).all()
        if not rows:
            return 0
        messages = [message_of(email, sender) for email, sender in rows]
        try:
            outcomes = await asyncio.to_thread(_deliver, server, messages)
        except (OSError, smtplib.SMTPException) as exc:
            outcomes = [exc] * len(rows)
        sent = 0
        for (email, _), outcome in zip(rows, outcomes, strict=False):
            if outcome is None:
                email.sent_at = now
                sent += 1
            else:
                _failed(session, email, outcome, now)
        for email, _ in rows[len(outcomes) :]:  # the session broke off midway
            _failed(session, email, ConnectionError("SMTP session ended"), now)
        failed = len(rows) - sent
        if failed:
            log.warning("emails not accepted", extra={"failed": failed, "sent": sent})
        elif sent:
            log.info("emails sent", extra={"sent": sent})
        return sent


def _failed(session: AsyncSession, email: OutgoingEmail, error: Exception, now: datetime) -> None:
    email.attempts += 1
    email.last_error = type(error).__name__
    email.due_at = now + backoff(email.attempts)
    if email.attempts == 1:
        log.warning(
            "email failed", extra={"email_id": str(email.id), "error_type": type(error).__name__}
        )
