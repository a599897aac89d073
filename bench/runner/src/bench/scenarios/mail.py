"""One message to every parent of the school (each parallel's parents, resolved at send
time from messaging's directory), through messaging's HTTP API, against a raw asyncpg
ceiling that writes the same rows (the message and a mailbox row per parent, the
recipients already known) in one transaction. Deliveries per second: mailbox rows
written per second of a send."""

import statistics
import time
import uuid
from datetime import UTC, datetime

import asyncpg

from bench.figures import Figure, Profile
from bench.stage import Stage
from shared.db import asyncpg_dsn

# The ceiling's rows: the same message row and mailbox rows our send writes, without the
# rules, the groups' resolution, the thread, HTTP or the outbox.
RAW_MESSAGE = """
INSERT INTO mail_messages (id, thread_id, school_id, sender_id, sender_kind,
    author_account_id, subject, body, addressed, sent_at)
VALUES ($1, $2, $3, $4, 'staff', $4, $5, $6, '[]'::jsonb, $7)
"""
RAW_THREAD = """
INSERT INTO mail_threads (id, school_id, subject, started_by, started_at, last_message_at)
VALUES ($1, $2, $3, $4, $5, $5)
"""
RAW_MAILBOXES = """
INSERT INTO mailbox_entries (mailbox_id, message_id, school_id, thread_id, folder, delivered_at)
SELECT recipient, $2, $3, $4, 'inbox', $5 FROM unnest($1::uuid[]) AS recipient
"""

SUBJECT = "Родительское собрание"
BODY = "Уважаемые родители! Общешкольное собрание состоится в пятницу в 18:00 в актовом зале."


async def run(stage: Stage, profile: Profile) -> list[Figure]:
    school = stage.school
    sender = next(m for m in school.staff if "director" in m.roles)
    [token] = await stage.logins([sender.login])
    url = f"{stage.base_url}/api/messaging/mail/messages"
    headers = {"Authorization": f"Bearer {token}"}
    grades = sorted({c.grade for c in school.classes})
    message = {
        "subject": SUBJECT,
        "body": BODY,
        "to": [{"kind": "parallel", "audience": "parents", "grade": g} for g in grades],
    }
    parents = sorted(g.id for g in school.guardians)

    async def ours() -> tuple[float, int]:
        started = time.perf_counter()
        async with stage.http.post(url, json=message, headers=headers) as response:
            body = await response.json()
            if response.status != 201:
                raise RuntimeError(f"sending answered {response.status}: {body}")
        return time.perf_counter() - started, int(body["delivered"])

    async def raw(conn: asyncpg.Connection) -> tuple[float, int]:
        started = time.perf_counter()
        now = datetime.now(UTC)
        message_id, thread_id = uuid.uuid4(), uuid.uuid4()
        async with conn.transaction():
            await conn.execute(RAW_THREAD, thread_id, school.id, SUBJECT, sender.id, now)
            await conn.execute(
                RAW_MESSAGE, message_id, thread_id, school.id, sender.id, SUBJECT, BODY, now
            )
            await conn.execute(RAW_MAILBOXES, parents, message_id, school.id, thread_id, now)
        return time.perf_counter() - started, len(parents)

    await ours()  # warm: the API's pool and prepared statements
    sends = [await ours() for _ in range(profile.report_repeats)]
    conn = await asyncpg.connect(asyncpg_dsn(stage.database_urls["messaging"]))
    try:
        await raw(conn)
        raws = [await raw(conn) for _ in range(profile.report_repeats)]
    finally:
        await conn.close()

    delivered = {count for _, count in sends}
    if delivered != {len(parents)}:
        raise RuntimeError(f"a send reached {delivered} mailboxes, not the {len(parents)} parents")
    ours_rate = len(parents) / statistics.median(s for s, _ in sends)
    raw_rate = len(parents) / statistics.median(s for s, _ in raws)
    smoke = profile.name == "smoke"
    return [
        Figure(
            scenario=f"one message to all {len(parents):,} parents of a school (HTTP, distributed)",
            measure="deliveries per second, median send, ceiling: raw asyncpg",
            unit="deliveries/s",
            ours=ours_rate,
            ceiling=raw_rate,
            target="≥ 2,000/s",
            met=None if smoke else ours_rate >= 2000,
            details=(
                f"{profile.report_repeats} sends of {len(grades)} parallels' parents; "
                f"send p50 {statistics.median(s for s, _ in sends) * 1000:.0f} ms, "
                f"max {max(s for s, _ in sends) * 1000:.0f} ms; raw p50 "
                f"{statistics.median(s for s, _ in raws) * 1000:.0f} ms"
            ),
        )
    ]
