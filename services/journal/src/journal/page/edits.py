"""The lesson edits of a journal page's save: each lesson's topic and homework judged by
the single-lesson rules (journal.lessons.editing, journal.homework.service), and all of
them written in one statement, with the same versions and events as the single-lesson
endpoints: the topic first (its LessonTopicSet at the version after it), then the
homework on the version after that (HomeworkSet, or HomeworkCleared taking the files).
"""

import datetime as dt
import uuid
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from journal import driver
from journal.corrections import stale
from journal.homework import service as homework
from journal.lessons import editing
from journal.page.schemas import EditLesson
from shared.contracts.journal import HomeworkFile, LessonTopicSet
from shared.errors import Problem
from shared.outbox import StagedEvent, staged
from shared.security import User

# TOPIC_SQL, SET_SQL and CLEAR_SQL of many lessons at once: one array per column, $1
# lessons, $2 the versions the edits were based on, $3 the versions after them, $4
# whether the topic is set, $5 topics, $6 plan items, $7 whether the homework is set
# (NULL text: cleared, its files deleted), $8 texts, $9 due dates (the events are the
# save's to stage, journal.page.service). A lesson that moved on meanwhile writes nothing
# (none can: the save has locked its lessons) and is missing from the answer. No closing
# guard: the save's transaction has asked journal_closed_on of every lesson it edits.
EDITS_SQL = """
WITH wanted AS (
    SELECT * FROM unnest($1::uuid[], $2::int[], $3::int[], $4::boolean[], $5::text[],
                         $6::uuid[], $7::boolean[], $8::text[], $9::date[])
        AS wanted(lesson_id, based, version, sets_topic, topic, plan_item_id,
                  sets_homework, homework, due_on)
),
edited AS (
    UPDATE lessons
    SET topic = CASE WHEN wanted.sets_topic THEN wanted.topic ELSE lessons.topic END,
        plan_item_id = CASE WHEN wanted.sets_topic THEN wanted.plan_item_id
                            ELSE lessons.plan_item_id END,
        homework = CASE WHEN wanted.sets_homework THEN wanted.homework
                        ELSE lessons.homework END,
        homework_due_on = CASE WHEN wanted.sets_homework THEN wanted.due_on
                               ELSE lessons.homework_due_on END,
        version = wanted.version
    FROM wanted
    WHERE lessons.id = wanted.lesson_id AND lessons.version = wanted.based
    RETURNING lessons.id, wanted.sets_homework AND wanted.homework IS NULL AS clears
),
files AS (
    DELETE FROM homework_attachments
    WHERE lesson_id IN (SELECT id FROM edited WHERE clears)
)
SELECT id FROM edited
"""


@dataclass(frozen=True)
class LessonWrite:
    """A lesson's edit judged to apply: the lesson as read and as it is after every part,
    which parts change, and their events in order."""

    lesson: editing.Editing
    after: editing.Editing
    sets_topic: bool
    sets_homework: bool
    events: list[StagedEvent]


@dataclass(frozen=True)
class EditReads:
    """What judging the save's lesson edits reads beforehand, each in one statement."""

    lessons: dict[uuid.UUID, editing.Editing]  # locked until the save ends
    item_owners: dict[uuid.UUID, uuid.UUID]  # plan item → the assignment whose plan holds it
    next_dates: dict[uuid.UUID, dt.date | None]  # lesson → the assignment's next lesson day
    files: dict[uuid.UUID, list[HomeworkFile]]  # of the lessons whose homework is set


async def read_for(session: AsyncSession, user: User, edits: list[EditLesson]) -> EditReads:
    """The lessons the edits name, locked; the plan items they name; and, for homework
    set, the lessons' files and (without a due date) the next lesson's date."""
    if not edits:
        return EditReads({}, {}, {}, {})
    lessons = await editing.editing_many(session, user, list({e.lesson_id for e in edits}))
    items = list({e.plan_item_id for e in edits if e.plan_item_id is not None})
    item_owners = await editing.plan_items_of(session, user, items)
    setting = [e for e in edits if e.homework is not None and e.lesson_id in lessons]
    undated = [lessons[e.lesson_id] for e in setting if e.homework and e.homework.due_on is None]
    next_dates = await homework.next_lesson_dates(session, undated)
    files = (
        await homework.files_of(session, list({e.lesson_id for e in setting})) if setting else {}
    )
    return EditReads(lessons, item_owners, next_dates, files)


def judge(
    user: User, change: EditLesson, reads: EditReads, on_page: dict[uuid.UUID, Any]
) -> LessonWrite:
    """A lesson's topic and homework edit: each part judged by the single-lesson rules
    and left out when it changes nothing (raises the Problem that refuses it)."""
    lesson = reads.lessons.get(change.lesson_id)
    if lesson is None or change.lesson_id not in on_page:
        raise Problem(
            422,
            "not-on-page",
            "Not on this page",
            "The lesson is not of this assignment in this period.",
        )
    editing.require_may_edit(user, lesson)
    fields = change.model_fields_set
    topic = change.topic if "topic" in fields else lesson.topic
    item = change.plan_item_id if "plan_item_id" in fields else lesson.plan_item_id
    owner = reads.item_owners.get(item) if item is not None else None
    after = lesson
    events: list[StagedEvent] = []
    sets_topic = topic != lesson.topic or item != lesson.plan_item_id
    if sets_topic:
        based = editing.check_topic(lesson, topic, item, owner, change.version)
        after = replace(lesson, topic=topic, plan_item_id=item, version=based + 1)
        events.append(
            staged(
                LessonTopicSet(
                    school_id=user.school_id,
                    version=after.version,
                    lesson_id=lesson.lesson_id,
                    lesson_date=lesson.lesson_date,
                    class_id=lesson.class_id,
                    subject_id=lesson.subject_id,
                    teacher_id=lesson.teacher_id,
                    topic=topic,
                    plan_item_id=item,
                )
            )
        )
    elif lesson.version != change.version:
        editing.check_topic(lesson, topic, item, owner, change.version)  # raises stale
    sets_homework = False
    if "homework" in fields:
        if change.homework is None:
            sets_homework = lesson.homework is not None or lesson.homework_due_on is not None
            if sets_homework:
                based = homework.check_clearing(after, after.version)
                after = replace(after, homework=None, homework_due_on=None, version=based + 1)
                events.append(staged(homework.cleared_event(user, after, after.version)))
        else:
            text = change.homework.text
            due_on = change.homework.due_on or reads.next_dates.get(lesson.lesson_id)
            sets_homework = text != lesson.homework or due_on != lesson.homework_due_on
            if sets_homework:
                based = homework.check_homework(after, text, due_on, after.version)
                after = replace(after, homework=text, homework_due_on=due_on, version=based + 1)
                files = reads.files.get(lesson.lesson_id, [])
                events.append(staged(homework.set_event(user, after, after.version, files)))
    if not sets_topic and not sets_homework:
        raise Problem(422, "nothing-changed", "Nothing changed", "The lesson already is so.")
    return LessonWrite(lesson, after, sets_topic, sets_homework, events)


async def write(
    session: AsyncSession, user: User, writes: list[LessonWrite]
) -> list[bytes | Problem]:
    """Every edit in one statement, in the save's transaction: each one's answer
    (`LessonEdited`), or the 409 with the lesson's state for one that moved on. The edits'
    events (`LessonWrite.events`) are the caller's to stage."""
    rows = await driver.fetch(
        session,
        EDITS_SQL,
        [w.lesson.lesson_id for w in writes],
        [w.lesson.version for w in writes],
        [w.after.version for w in writes],
        [w.sets_topic for w in writes],
        [w.after.topic for w in writes],
        [w.after.plan_item_id for w in writes],
        [w.sets_homework for w in writes],
        [w.after.homework for w in writes],
        [w.after.homework_due_on for w in writes],
    )
    written = {uuid.UUID(bytes=row["id"].bytes) for row in rows}
    answers: list[bytes | Problem] = []
    for w in writes:
        if w.lesson.lesson_id in written:
            answers.append(editing.edited_answer(w.after))
        else:
            again = await editing.editing_many(session, user, [w.lesson.lesson_id])
            answers.append(stale("lesson", again[w.lesson.lesson_id].current()))
    return answers
