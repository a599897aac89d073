"""From facts to notifications: the version check, the recipients, their preferences,
the stream positions, superseding, email and the wake-up of open streams.

A fact is what one event tells about one aggregate (`mark/<id>`, `homework/<lesson>`)
at one version. Per school and aggregate messaging keeps the newest version it acted on
(`notified_versions`): a fact with that version or an older one does nothing, so a
redelivered or late event never notifies twice or tells a stale state. A newer fact
supersedes the older notifications of its aggregate (they leave the feed, their unsent
emails are cancelled) and notifies afresh, unless it is silent (a period reopened: the
closing notice goes, nothing new comes). A tombstone (a mark removed) is a fact like the
others: whatever is older than it arrives too late.
"""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import any_, bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.models import Base, Guardianship, Notification
from messaging.notifications.kinds import CATEGORY_OF
from messaging.notifications.models import OutgoingEmail, Preferences, School, SchoolEmail
from messaging.notifications.texts import EMAIL_SUBJECTS, email_body
from shared.bulk import insert_new

_UUIDS = ARRAY(UUID(as_uuid=True))

NOTIFY_CHANNEL = "messaging_notifications"
# NOTIFY payloads are limited to 8000 bytes: recipient ids go 200 to a notification.
_IDS_PER_NOTIFY = 200
DEFAULT_TIMEZONE = "Europe/Moscow"


class MissingSchool(ValueError):
    """An event without a school cannot be scoped; it is retried and then dead-lettered."""


@dataclass(frozen=True)
class Fact:
    """One event's news about one aggregate, and whom it concerns.

    `students`: the students concerned (their guardians are told; the students too with
    `to_students`); `accounts`: staff told by account id. `kind` None: a silent fact."""

    school_id: uuid.UUID
    aggregate: str
    version: int
    event_id: uuid.UUID
    kind: str | None
    text: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    students: tuple[uuid.UUID, ...] = ()
    to_students: bool = False
    accounts: tuple[uuid.UUID, ...] = ()


def _table(model: type[Base]) -> Any:
    return Base.metadata.tables[model.__tablename__]


# Keeps the newest version per aggregate and returns the aggregates this batch advanced:
# concurrent consumers serialise on the row, so exactly one of two racing versions wins.
_ADVANCE = text(
    "INSERT INTO notified_versions (school_id, aggregate, version, removed) "
    "SELECT * FROM unnest(CAST(:schools AS uuid[]), CAST(:aggregates AS text[]), "
    "CAST(:versions AS integer[]), CAST(:removed AS boolean[])) "
    "ON CONFLICT (school_id, aggregate) DO UPDATE "
    "SET version = excluded.version, removed = excluded.removed "
    "WHERE notified_versions.version < excluded.version "
    "RETURNING school_id, aggregate"
)

_SUPERSEDE = text(
    "UPDATE notifications AS n SET superseded_at = :now "
    "FROM unnest(CAST(:schools AS uuid[]), CAST(:aggregates AS text[])) AS a(school_id, aggregate) "
    "WHERE n.school_id = a.school_id AND n.aggregate = a.aggregate "
    "AND n.superseded_at IS NULL RETURNING n.id, n.recipient_person_id, n.seq"
)

_CANCEL_EMAILS = text(
    "UPDATE email_outbox SET cancelled_at = :now "
    "WHERE notification_id = ANY(CAST(:ids AS uuid[])) AND sent_at IS NULL "
    "AND cancelled_at IS NULL"
)

# Rows in recipient order, so two consumers lock the counters in one order.
_POSITIONS = text(
    "INSERT INTO notification_streams (recipient_id, last_seq) "
    "SELECT * FROM unnest(CAST(:recipients AS uuid[]), CAST(:counts AS bigint[])) "
    "ON CONFLICT (recipient_id) DO UPDATE "
    "SET last_seq = notification_streams.last_seq + excluded.last_seq "
    "RETURNING recipient_id, last_seq"
)


def _newest(facts: Iterable[Fact]) -> list[Fact]:
    newest: dict[tuple[uuid.UUID, str], Fact] = {}
    for fact in facts:
        key = (fact.school_id, fact.aggregate)
        if key not in newest or newest[key].version < fact.version:
            newest[key] = fact
    return [newest[key] for key in sorted(newest, key=lambda k: (str(k[0]), k[1]))]


async def advance(session: AsyncSession, facts: Sequence[Fact]) -> list[Fact]:
    """The facts newer than anything told of their aggregate (the newest per aggregate of
    the batch), recorded as told."""
    candidates = _newest(facts)
    if not candidates:
        return []
    rows = await session.execute(
        _ADVANCE,
        {
            "schools": [f.school_id for f in candidates],
            "aggregates": [f.aggregate for f in candidates],
            "versions": [f.version for f in candidates],
            "removed": [
                f.kind is None or f.kind.endswith(("_removed", "_cleared")) for f in candidates
            ],
        },
    )
    advanced = {(school, aggregate) for school, aggregate in rows}
    return [f for f in candidates if (f.school_id, f.aggregate) in advanced]


async def guardians_of(
    session: AsyncSession, students: Iterable[tuple[uuid.UUID, uuid.UUID]]
) -> dict[tuple[uuid.UUID, uuid.UUID], list[uuid.UUID]]:
    """The guardians linked now to each (school, student), in a stable order, in one query
    (a link announced by another school reaches none of this school's news)."""
    wanted = list(dict.fromkeys(students))
    found: dict[tuple[uuid.UUID, uuid.UUID], list[uuid.UUID]] = {pair: [] for pair in wanted}
    if not wanted:
        return found
    rows = await session.execute(
        select(Guardianship.school_id, Guardianship.student_id, Guardianship.guardian_id)
        .where(
            Guardianship.student_id == any_(bindparam("students", type_=_UUIDS)),
            Guardianship.unlinked.is_(False),
        )
        .order_by(Guardianship.guardian_id),
        {"students": list({student for _, student in wanted})},
    )
    for school_id, student_id, guardian_id in rows:
        if (school_id, student_id) in found:
            found[school_id, student_id].append(guardian_id)
    return found


def email_due(
    now: datetime, zone: ZoneInfo, quiet_from: time | None, quiet_to: time | None
) -> datetime:
    """When an email written `now` may go: now, or when the person's quiet hours end
    (hours in the school's zone; a span past midnight, 22:00-07:00, is one night)."""
    if quiet_from is None or quiet_to is None or quiet_from == quiet_to:
        return now
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    if quiet_from < quiet_to:
        inside = quiet_from <= clock < quiet_to
        end_day = local.date()
    else:
        inside = clock >= quiet_from or clock < quiet_to
        end_day = local.date() + timedelta(days=1) if clock >= quiet_from else local.date()
    if not inside:
        return now
    return datetime.combine(end_day, quiet_to, tzinfo=zone).astimezone(UTC)


async def school_zones(
    session: AsyncSession, schools: Iterable[uuid.UUID]
) -> dict[uuid.UUID, ZoneInfo]:
    wanted = list(dict.fromkeys(schools))
    rows = await session.execute(
        select(School.school_id, School.timezone).where(
            School.school_id == any_(bindparam("schools", type_=_UUIDS))
        ),
        {"schools": wanted},
    )
    known: dict[uuid.UUID, str] = {school: zone for school, zone in rows}
    return {school: zone_of(known.get(school)) for school in wanted}


def zone_of(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (KeyError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


async def emailing_schools(session: AsyncSession, schools: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    rows = await session.scalars(
        select(SchoolEmail.school_id).where(
            SchoolEmail.school_id == any_(bindparam("schools", type_=_UUIDS)),
            SchoolEmail.enabled.is_(True),
        ),
        {"schools": list(dict.fromkeys(schools))},
    )
    return set(rows)


async def preferences_of(
    session: AsyncSession, recipients: Iterable[uuid.UUID]
) -> dict[uuid.UUID, Preferences]:
    wanted = list(dict.fromkeys(recipients))
    if not wanted:
        return {}
    rows = await session.scalars(
        select(Preferences).where(
            Preferences.recipient_id == any_(bindparam("recipients", type_=_UUIDS))
        ),
        {"recipients": wanted},
    )
    return {p.recipient_id: p for p in rows}


async def take_positions(
    session: AsyncSession, counts: dict[uuid.UUID, int]
) -> dict[uuid.UUID, int]:
    """Reserve `counts[r]` stream positions for each recipient; the first of each."""
    if not counts:
        return {}
    ordered = sorted(counts, key=str)
    rows = await session.execute(
        _POSITIONS, {"recipients": ordered, "counts": [counts[r] for r in ordered]}
    )
    return {recipient: last - counts[recipient] + 1 for recipient, last in rows}


async def wake_streams(session: AsyncSession, recipients: Iterable[uuid.UUID]) -> None:
    """Tell the API processes (LISTEN) whose streams have news; sent at commit."""
    ids = sorted({str(r) for r in recipients})
    for start in range(0, len(ids), _IDS_PER_NOTIFY):
        await session.execute(
            text("SELECT pg_notify(:channel, :payload)"),
            {"channel": NOTIFY_CHANNEL, "payload": ",".join(ids[start : start + _IDS_PER_NOTIFY])},
        )


@dataclass
class _Row:
    fact: Fact
    recipient: uuid.UUID
    student: uuid.UUID | None


async def deliver(
    session: AsyncSession, facts: Sequence[Fact], *, now: datetime | None = None
) -> int:
    """Apply a batch's facts: the newer ones supersede and notify; returns how many
    notifications were written."""
    now = now or datetime.now(UTC)
    fresh = await advance(session, facts)
    if not fresh:
        return 0
    superseded = (
        await session.execute(
            _SUPERSEDE,
            {
                "now": now,
                "schools": [f.school_id for f in fresh],
                "aggregates": [f.aggregate for f in fresh],
            },
        )
    ).all()
    woken: set[uuid.UUID] = {recipient for _, recipient, _ in superseded}
    if superseded:
        await session.execute(_CANCEL_EMAILS, {"now": now, "ids": [row[0] for row in superseded]})
    telling = [f for f in fresh if f.kind is not None]
    guardians = await guardians_of(session, ((f.school_id, s) for f in telling for s in f.students))
    rows: list[_Row] = []
    for fact in telling:
        seen: set[uuid.UUID] = set()
        for student in fact.students:
            told = guardians[fact.school_id, student]
            for recipient in ([student] if fact.to_students else []) + told:
                if recipient not in seen:
                    seen.add(recipient)
                    rows.append(_Row(fact, recipient, student))
        for account in fact.accounts:
            if account not in seen:
                seen.add(account)
                rows.append(_Row(fact, account, None))
    preferences = await preferences_of(session, (row.recipient for row in rows))
    rows = [
        row
        for row in rows
        if row.recipient not in preferences
        or CATEGORY_OF.get(row.fact.kind or "", "") not in preferences[row.recipient].muted
    ]
    counts: dict[uuid.UUID, int] = {}
    for row in rows:
        counts[row.recipient] = counts.get(row.recipient, 0) + 1
    first = await take_positions(session, counts)
    notices: list[dict[str, Any]] = []
    for row in rows:
        seq = first[row.recipient]
        first[row.recipient] = seq + 1
        notices.append(
            {
                "id": uuid.uuid4(),
                "school_id": row.fact.school_id,
                "recipient_person_id": row.recipient,
                "student_id": row.student,
                "kind": row.fact.kind,
                "payload": row.fact.payload,
                "text": row.fact.text,
                "source_event_id": row.fact.event_id,
                "created_at": now,
                "aggregate": row.fact.aggregate,
                "version": row.fact.version,
                "seq": seq,
            }
        )
    await insert_new(
        session, _table(Notification), ["source_event_id", "recipient_person_id"], notices
    )
    await queue_emails(session, notices, preferences, now)
    await wake_streams(session, woken | set(counts))
    return len(notices)


async def queue_emails(
    session: AsyncSession,
    notices: list[dict[str, Any]],
    preferences: dict[uuid.UUID, Preferences],
    now: datetime,
) -> None:
    """An email per notification for whoever gave an address and wants them at once, in
    a school that sends email (the sender delivers it: messaging.notifications.email)."""
    wanting = [
        n
        for n in notices
        if (p := preferences.get(n["recipient_person_id"])) is not None
        and p.email
        and p.delivery == "immediate"
    ]
    if not wanting:
        return
    schools = {n["school_id"] for n in wanting}
    sending = await emailing_schools(session, schools)
    zones = await school_zones(session, sending)
    emails = []
    for notice in wanting:
        if notice["school_id"] not in sending:
            continue
        prefs = preferences[notice["recipient_person_id"]]
        assert prefs.email is not None
        emails.append(
            {
                "id": uuid.uuid4(),
                "school_id": notice["school_id"],
                "recipient_id": notice["recipient_person_id"],
                "notification_id": notice["id"],
                "to_address": prefs.email,
                "subject": EMAIL_SUBJECTS.get(notice["kind"], "Уведомление"),
                "body": email_body(notice["text"]),
                "created_at": now,
                "due_at": email_due(
                    now, zones[notice["school_id"]], prefs.quiet_from, prefs.quiet_to
                ),
                "attempts": 0,
            }
        )
    await insert_new(session, _table(OutgoingEmail), ["id"], emails)


def school_of(event: Any) -> uuid.UUID:
    if event.school_id is None:
        raise MissingSchool(f"{event.routing_key} {event.event_id} carries no school")
    school: uuid.UUID = event.school_id
    return school
