"""Addressing: the help mailbox of a school, groups' names, and the one statement that
delivers a message to every mailbox its people and groups stand for at send time."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.notifications.fanout import NOTIFY_CHANNEL

# A school's help mailbox has a stable id of its own, derived from the school's (so every
# sysadmin of the school opens the same one and no table has to create it).
_HELP_NAMESPACE = uuid.UUID("6f1f8a0e-54a4-4b8e-9a51-0c2f7d3c8b11")
HELP_NAME = "Помощь"
STAFF_GROUP_NAME = "Все сотрудники"

_AUDIENCE_NAMES = {"parents": "Родители", "students": "Ученики", "teachers": "Учителя"}


def help_mailbox(school_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(_HELP_NAMESPACE, str(school_id))


def group_name(group: dict[str, Any], class_names: dict[uuid.UUID, str]) -> str:
    """A group's name as readers see it: «Родители 5А», «Учителя 7-х классов»."""
    if group["kind"] == "staff":
        return STAFF_GROUP_NAME
    audience = _AUDIENCE_NAMES[group["audience"]]
    if group["kind"] == "class":
        return f"{audience} {class_names.get(uuid.UUID(group['class_id']), '')}".strip()
    return f"{audience} {group['grade']}-х классов"


@dataclass
class Delivery:
    """Whom one message goes to: people (checked already) and the classes whose parents,
    students or teachers it reaches, and whether all staff."""

    people: set[uuid.UUID] = field(default_factory=set)
    parent_classes: set[uuid.UUID] = field(default_factory=set)
    student_classes: set[uuid.UUID] = field(default_factory=set)
    teacher_classes: set[uuid.UUID] = field(default_factory=set)
    all_staff: bool = False

    def add_group(self, audience: str, classes: list[uuid.UUID]) -> None:
        {
            "parents": self.parent_classes,
            "students": self.student_classes,
            "teachers": self.teacher_classes,
        }[audience].update(classes)


# Every mailbox row of a message in one statement: the recipients resolved from the
# directory as it is now (set-based, whatever the group's size), the sender's own copy in
# `sent`, the recipients' live streams woken, and the count of inbox rows written.
DELIVER_SQL = text(
    """
WITH recipients AS (
    SELECT unnest(CAST(:people AS uuid[])) AS mailbox_id
    UNION
    SELECT g.guardian_id
    FROM directory_guardianships g
    JOIN directory_students s ON s.student_id = g.student_id
    WHERE g.linked AND g.school_id = :school AND s.school_id = :school
      AND s.class_id = ANY(CAST(:parent_classes AS uuid[]))
    UNION
    SELECT s.student_id FROM directory_students s
    WHERE s.school_id = :school AND s.class_id = ANY(CAST(:student_classes AS uuid[]))
    UNION
    SELECT a.teacher_id FROM directory_assignments a
    WHERE a.school_id = :school AND a.class_id = ANY(CAST(:teacher_classes AS uuid[]))
    UNION
    SELECT c.class_teacher_id FROM directory_classes c
    WHERE c.school_id = :school AND c.class_id = ANY(CAST(:teacher_classes AS uuid[]))
      AND c.class_teacher_id IS NOT NULL
    UNION
    SELECT st.account_id FROM directory_staff st
    WHERE st.school_id = :school AND CAST(:all_staff AS boolean)
), delivered AS (
    INSERT INTO mailbox_entries
        (mailbox_id, message_id, school_id, thread_id, folder, delivered_at, read_at)
    SELECT mailbox_id, CAST(:message AS uuid), CAST(:school AS uuid), CAST(:thread AS uuid),
           'inbox', CAST(:now AS timestamptz), CAST(NULL AS timestamptz)
    FROM recipients WHERE mailbox_id <> CAST(:sender AS uuid)
    UNION ALL
    SELECT CAST(:sender AS uuid), CAST(:message AS uuid), CAST(:school AS uuid),
           CAST(:thread AS uuid), 'sent', CAST(:now AS timestamptz), CAST(:now AS timestamptz)
    ON CONFLICT DO NOTHING
    RETURNING mailbox_id, folder
), woken AS (
    -- the recipients' open live streams are told at commit (their mail's unread count),
    -- at most 200 ids to a NOTIFY (its payload's limit is 8,000 bytes)
    SELECT pg_notify(:channel, string_agg(CAST(mailbox_id AS text), ','))
    FROM (SELECT mailbox_id, (row_number() OVER ()) / 200 AS chunk
          FROM delivered WHERE folder = 'inbox') AS told
    GROUP BY chunk
)
SELECT (SELECT count(*) FROM delivered WHERE folder = 'inbox') AS delivered,
       (SELECT count(*) FROM woken) AS notices
"""
)


async def deliver(
    session: AsyncSession,
    delivery: Delivery,
    *,
    school_id: uuid.UUID,
    message_id: uuid.UUID,
    thread_id: uuid.UUID,
    sender: uuid.UUID,
    now: datetime,
) -> int:
    """Write the message into every mailbox it goes to; how many recipients' mailboxes."""
    count = await session.scalar(
        DELIVER_SQL,
        {
            "people": sorted(delivery.people),
            "parent_classes": sorted(delivery.parent_classes),
            "student_classes": sorted(delivery.student_classes),
            "teacher_classes": sorted(delivery.teacher_classes),
            "all_staff": delivery.all_staff,
            "school": school_id,
            "message": message_id,
            "thread": thread_id,
            "sender": sender,
            "now": now,
            "channel": NOTIFY_CHANNEL,
        },
    )
    return int(count or 0)
