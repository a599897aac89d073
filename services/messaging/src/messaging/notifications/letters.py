"""Progress letters from the class teacher: for a class and a date range, one letter per
student to each of their parents, summarising marks (with weighted averages), absences
and teachers' remarks in that range. Each letter is kept (`progress_letters`, read by
`GET /progress-letters`), told in the parent's feed, and sent as internal mail from the
class teacher's mailbox to the student's parents, who may answer it in its thread.

The figures come from messaging's own projections of journal's events (projections.py):
marks with their work type and weight (`marks`, tombstones left out), attendance codes
(`attendance`), and remarks (`remarks`: journal publishes only that a remark or a praise
was written, never its text, so a letter counts them). Averages weigh each mark by its work
type's current weight (journal's `work_type.changed`, as reporting does), or by the
weight the mark's event carried when the school never announced its work type. Special
entries (н/а, осв, зч) are not marks of lessons, so they do not appear. The class list is
the `enrollments` projection, the parents the `guardianships` one, the class teacher the
class's `class_teacher_id` from `class.opened`.
"""

import uuid
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.mail.sending import send_on_behalf
from messaging.notifications.fanout import Fact, deliver, guardians_of
from messaging.notifications.models import (
    AttendanceRecord,
    LetterBatch,
    LetterDelivery,
    LetterSchedule,
    MarkRecord,
    ProgressLetter,
    RemarkRecord,
    SchoolClass,
    WorkType,
)
from messaging.notifications.projections import students_of_classes
from messaging.notifications.texts import progress_letter_notice
from shared.errors import Conflict, Forbidden, NotFound
from shared.security import User

ABSENCE_CODES = ("Н", "Б", "П")


def weighted_average(marks: list[tuple[int, int]]) -> Decimal | None:
    """Σ(mark × weight) / Σ(weight), to two places; None without marks."""
    weights = sum(w for _, w in marks)
    if not weights:
        return None
    average = Decimal(sum(v * w for v, w in marks)) / Decimal(weights)
    return average.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _ru(number: Decimal) -> str:
    return f"{number:.2f}".replace(".", ",")


def letter_text(
    summary: dict[str, Any], *, period_from: date, period_to: date, comment: str | None
) -> str:
    """The letter a parent reads (no names: the client shows the child's from journal)."""
    lines = [
        "Уважаемые родители!",
        "",
        f"Успеваемость вашего ребёнка за {period_from:%d.%m.%Y}–{period_to:%d.%m.%Y}.",
        "",
    ]
    if summary["subjects"]:
        lines.append("Отметки:")
        for subject in summary["subjects"]:
            values = ", ".join(str(v) for v in subject["marks"])
            average = subject["average"]
            tail = f" (средний балл {_ru(Decimal(average))})" if average is not None else ""
            lines.append(f"• {subject['subject_name']}: {values}{tail}")
    else:
        lines.append("Отметок за этот период нет.")
    absences = summary["attendance"]
    missed = sum(absences.get(code, 0) for code in ABSENCE_CODES)
    late = absences.get("ОП", 0)
    if missed or late:
        detail = ", ".join(
            f"{code} — {absences[code]}" for code in (*ABSENCE_CODES, "ОП") if absences.get(code)
        )
        lines.append(f"Пропущено уроков: {missed}, опозданий: {late} ({detail}).")
    else:
        lines.append("Пропусков и опозданий нет.")
    remarks, praise = summary["remarks"].get("remark", 0), summary["remarks"].get("praise", 0)
    lines.append(f"Замечаний учителей: {remarks}, похвал: {praise}.")
    if comment:
        lines.extend(["", comment.strip()])
    lines.extend(["", "Классный руководитель"])
    return "\n".join(lines)


async def _summaries(
    session: AsyncSession, school: uuid.UUID, class_id: uuid.UUID, start: date, end: date
) -> dict[uuid.UUID, dict[str, Any]]:
    weights = dict(
        (
            await session.execute(
                select(WorkType.code, WorkType.weight).where(WorkType.school_id == school)
            )
        ).all()
    )
    marks = await session.execute(
        select(
            MarkRecord.student_id,
            MarkRecord.subject_id,
            MarkRecord.subject_name,
            MarkRecord.value,
            MarkRecord.work_type,
            MarkRecord.weight,
        )
        .where(
            MarkRecord.class_id == class_id,
            MarkRecord.school_id == school,
            MarkRecord.removed.is_(False),
            MarkRecord.lesson_date.between(start, end),
        )
        .order_by(MarkRecord.subject_name, MarkRecord.lesson_date, MarkRecord.mark_id)
    )
    by_subject: dict[uuid.UUID, dict[uuid.UUID, dict[str, Any]]] = defaultdict(dict)
    for student, subject_id, subject_name, value, work_type, weight in marks:
        entry = by_subject[student].setdefault(
            subject_id, {"subject_id": str(subject_id), "subject_name": subject_name, "pairs": []}
        )
        entry["pairs"].append((value, weights.get(work_type, weight)))
    attendance = await session.execute(
        select(AttendanceRecord.student_id, AttendanceRecord.code, func.count())
        .where(
            AttendanceRecord.class_id == class_id,
            AttendanceRecord.school_id == school,
            AttendanceRecord.code.is_not(None),
            AttendanceRecord.lesson_date.between(start, end),
        )
        .group_by(AttendanceRecord.student_id, AttendanceRecord.code)
    )
    codes: dict[uuid.UUID, Counter[str]] = defaultdict(Counter)
    for student, code, count in attendance:
        codes[student][code or ""] += count
    remarks = await session.execute(
        select(RemarkRecord.student_id, RemarkRecord.kind, func.count())
        .where(
            RemarkRecord.class_id == class_id,
            RemarkRecord.school_id == school,
            RemarkRecord.on.between(start, end),
        )
        .group_by(RemarkRecord.student_id, RemarkRecord.kind)
    )
    kinds: dict[uuid.UUID, Counter[str]] = defaultdict(Counter)
    for student, kind, count in remarks:
        kinds[student][kind] += count
    students = (await students_of_classes(session, [class_id]))[class_id]
    summaries: dict[uuid.UUID, dict[str, Any]] = {}
    for student in students:
        subjects: list[dict[str, Any]] = []
        for entry in by_subject.get(student, {}).values():
            pairs = entry.pop("pairs")
            average = weighted_average(pairs)
            subjects.append(
                {
                    **entry,
                    "marks": [v for v, _ in pairs],
                    "average": None if average is None else str(average),
                }
            )
        summaries[student] = {
            "subjects": sorted(subjects, key=lambda s: str(s["subject_name"])),
            "attendance": dict(codes.get(student, {})),
            "remarks": dict(kinds.get(student, {})),
        }
    return summaries


async def class_of_teacher(session: AsyncSession, user: User, class_id: uuid.UUID) -> SchoolClass:
    """The class, if the caller is its class teacher (another school's or an unknown class:
    404; a class of the school that is not theirs: 403)."""
    found = await session.get(SchoolClass, class_id)
    if found is None or found.school_id != user.school_id:
        raise NotFound("class")
    if not user.has("class_teacher") or found.class_teacher_id != user.account_id:
        raise Forbidden("Only the class's class teacher sends its progress letters.")
    return found


async def send_letters(
    session: AsyncSession,
    *,
    school: uuid.UUID,
    class_id: uuid.UUID,
    author: uuid.UUID,
    period_from: date,
    period_to: date,
    comment: str | None,
    scheduled: bool = False,
    now: datetime | None = None,
) -> tuple[uuid.UUID, int, int]:
    """Write the class's letters for the range and deliver each to the student's parents
    (a notification tells them); the batch id, letters and deliveries. A range already
    sent for the class is refused (409), so a repeated request or job sends nothing twice."""
    now = now or datetime.now(UTC)
    batch_id = await session.scalar(
        insert(LetterBatch)
        .values(
            id=uuid.uuid4(),
            school_id=school,
            class_id=class_id,
            author_id=author,
            period_from=period_from,
            period_to=period_to,
            comment=comment,
            scheduled=scheduled,
            created_at=now,
        )
        .on_conflict_do_nothing()
        .returning(LetterBatch.id)
    )
    if batch_id is None:
        raise Conflict(
            "letters-already-sent", "Letters for this class and range were sent already."
        )
    summaries = await _summaries(session, school, class_id, period_from, period_to)
    parents = await guardians_of(session, ((school, s) for s in summaries))
    subject = f"Успеваемость за {period_from:%d.%m.%Y}–{period_to:%d.%m.%Y}"
    letters: list[dict[str, Any]] = []
    deliveries: list[dict[str, Any]] = []
    facts: list[Fact] = []
    for student, summary in summaries.items():
        letter_id = uuid.uuid4()
        letters.append(
            {
                "id": letter_id,
                "batch_id": batch_id,
                "school_id": school,
                "student_id": student,
                "subject": subject,
                "body": letter_text(
                    summary, period_from=period_from, period_to=period_to, comment=comment
                ),
                "summary": summary,
                "created_at": now,
            }
        )
        deliveries.extend(
            {"letter_id": letter_id, "parent_id": parent, "school_id": school}
            for parent in parents[school, student]
        )
        facts.append(
            Fact(
                school_id=school,
                aggregate=f"letter/{letter_id}",
                version=1,
                event_id=letter_id,
                kind="progress_letter",
                text=progress_letter_notice(period_from=period_from, period_to=period_to),
                payload={
                    "letter_id": str(letter_id),
                    "class_id": str(class_id),
                    "from": period_from.isoformat(),
                    "to": period_to.isoformat(),
                },
                students=(student,),
            )
        )
    if letters:
        await session.execute(insert(ProgressLetter).values(letters))
    if deliveries:
        await session.execute(insert(LetterDelivery).values(deliveries))
    # Each letter is also internal mail from the class teacher to the student's parents
    # (the regulation: parents informed through the system's internal mail); they may
    # answer it in its thread.
    for letter in letters:
        to = parents[school, letter["student_id"]]
        if to:
            await send_on_behalf(
                session,
                school_id=school,
                author_id=author,
                author_roles=("class_teacher",),
                to=to,
                subject=letter["subject"],
                body=letter["body"],
                now=now,
            )
    await deliver(session, facts, now=now)
    return batch_id, len(letters), len(deliveries)


# A school's sendings of progress letters, newest first, each with its counts: letters
# (one per student), families (letters that reached a parent), deliveries (parents).
_SENT = text(
    """
SELECT b.id AS batch_id, b.class_id, c.name AS class_name, b.period_from AS date_from,
       b.period_to AS date_to, b.created_at AS sent_at, b.scheduled, b.author_id, b.comment,
       count(DISTINCT l.id) AS letters, count(DISTINCT d.letter_id) AS families,
       count(d.parent_id) AS deliveries
FROM progress_letter_batches b
LEFT JOIN directory_classes c ON c.class_id = b.class_id AND c.school_id = b.school_id
LEFT JOIN progress_letters l ON l.batch_id = b.id
LEFT JOIN progress_letter_deliveries d ON d.letter_id = l.id
WHERE b.school_id = :school
  AND (CAST(:class_id AS uuid) IS NULL OR b.class_id = CAST(:class_id AS uuid))
  AND (CAST(:teacher AS uuid) IS NULL OR b.author_id = CAST(:teacher AS uuid)
       OR b.class_id IN (SELECT k.class_id FROM classes k
                         WHERE k.school_id = :school
                           AND k.class_teacher_id = CAST(:teacher AS uuid)))
GROUP BY b.id, c.name
ORDER BY b.created_at DESC, b.id
LIMIT :limit OFFSET :offset
"""
)
_SENT_COUNT = text(
    """
SELECT count(*) FROM progress_letter_batches b
WHERE b.school_id = :school
  AND (CAST(:class_id AS uuid) IS NULL OR b.class_id = CAST(:class_id AS uuid))
  AND (CAST(:teacher AS uuid) IS NULL OR b.author_id = CAST(:teacher AS uuid)
       OR b.class_id IN (SELECT k.class_id FROM classes k
                         WHERE k.school_id = :school
                           AND k.class_teacher_id = CAST(:teacher AS uuid)))
"""
)


async def sent_letters(
    session: AsyncSession, user: User, class_id: uuid.UUID | None, *, limit: int, offset: int
) -> tuple[list[Any], int]:
    """The progress letters sent, newest first. For a class: its class teacher and the
    school's director and deputies (another school's or an unknown class: 404; anyone
    else: 403). Without a class: a class teacher's own sendings and those of the classes
    they lead, the whole school's for the administration (others: 403)."""
    administration = user.has("director", "deputy")
    teacher: uuid.UUID | None = None
    if class_id is not None:
        found = await session.get(SchoolClass, class_id)
        if found is None or found.school_id != user.school_id:
            raise NotFound("class")
        leads = user.has("class_teacher") and found.class_teacher_id == user.account_id
        if not (administration or leads):
            raise Forbidden(
                "Only the class's class teacher and the administration see its progress letters."
            )
    elif not administration:
        if not user.has("class_teacher"):
            raise Forbidden("Progress letters are sent by class teachers.")
        teacher = user.account_id
    params = {
        "school": user.school_id,
        "class_id": class_id,
        "teacher": teacher,
        "limit": limit,
        "offset": offset,
    }
    rows = (await session.execute(_SENT, params)).all()
    total = await session.scalar(_SENT_COUNT, params)
    return list(rows), int(total or 0)


async def letters_of_parent(
    session: AsyncSession, user: User, *, limit: int, offset: int
) -> tuple[list[tuple[ProgressLetter, datetime | None]], int]:
    mine = (
        LetterDelivery.parent_id == user.person_id,
        LetterDelivery.school_id == user.school_id,
    )
    total = await session.scalar(select(func.count()).select_from(LetterDelivery).where(*mine))
    rows = await session.execute(
        select(ProgressLetter, LetterDelivery.read_at)
        .join(LetterDelivery, LetterDelivery.letter_id == ProgressLetter.id)
        .where(*mine)
        .order_by(ProgressLetter.created_at.desc(), ProgressLetter.id)
        .limit(limit)
        .offset(offset)
    )
    return [(letter, read_at) for letter, read_at in rows], total or 0


async def letter_of_parent(
    session: AsyncSession, user: User, letter_id: uuid.UUID, *, read: bool = False
) -> tuple[ProgressLetter, datetime | None]:
    """One letter in the caller's mailbox (someone else's: 404); `read` marks it read."""
    delivery = await session.get(LetterDelivery, (letter_id, user.person_id))
    if delivery is None or delivery.school_id != user.school_id:
        raise NotFound("letter")
    if read and delivery.read_at is None:
        delivery.read_at = datetime.now(UTC)
    letter = await session.get(ProgressLetter, letter_id)
    assert letter is not None
    return letter, delivery.read_at


async def set_schedule(
    session: AsyncSession,
    user: User,
    class_id: uuid.UUID,
    *,
    weekday: int,
    hour: int,
    comment: str | None,
) -> LetterSchedule:
    await class_of_teacher(session, user, class_id)
    schedule = await session.get(LetterSchedule, class_id)
    if schedule is None:
        schedule = LetterSchedule(class_id=class_id, school_id=user.school_id, last_sent_on=None)
        session.add(schedule)
    schedule.author_id = user.account_id
    schedule.weekday, schedule.hour, schedule.comment = weekday, hour, comment
    await session.flush()
    return schedule


async def get_schedule(session: AsyncSession, user: User, class_id: uuid.UUID) -> LetterSchedule:
    await class_of_teacher(session, user, class_id)
    schedule = await session.get(LetterSchedule, class_id)
    if schedule is None:
        raise NotFound("schedule")
    return schedule


async def drop_schedule(session: AsyncSession, user: User, class_id: uuid.UUID) -> None:
    schedule = await get_schedule(session, user, class_id)
    await session.delete(schedule)
