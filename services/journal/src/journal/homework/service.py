"""Use cases of homework: its text and due date on the lesson, and its files.

Every change bumps the lesson's version (shared with topic edits) and publishes the
homework as it is after the change (HomeworkSet), or its tombstone (HomeworkCleared).
A file's type is what its content is, never what its name or the client says: only the
types a school hands out as homework are kept (ALLOWED_TYPES), at a bounded size.
"""

import datetime as dt
import unicodedata
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import filetype
import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from journal import driver
from journal.access import ADMINISTRATION, require_role
from journal.corrections import stale, version_required
from journal.lessons.editing import Editing, editing, editing_many
from shared.contracts.journal import HomeworkCleared, HomeworkFile, HomeworkSet
from shared.errors import NotFound, Problem
from shared.outbox import staged
from shared.security import User

PLAIN_TEXT = "text/plain"
ALLOWED_TYPES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        PLAIN_TEXT,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
    }
)
# Control characters a plain-text homework may hold (tab, line feed, form feed, return).
_TEXT_CONTROLS = frozenset("\t\n\f\r")


def detected_type(content: bytes) -> str | None:
    """The content's media type if it is one of ALLOWED_TYPES, judged by its bytes: the
    signatures `filetype` knows (PDF, PNG, JPEG and the zip-based office formats by
    their inner files), else UTF-8 text without control characters."""
    kind = filetype.guess(content)
    if kind is not None:
        return kind.mime if kind.mime in ALLOWED_TYPES else None
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any(unicodedata.category(c) == "Cc" and c not in _TEXT_CONTROLS for c in text):
        return None
    return PLAIN_TEXT


def clean_file_name(name: str) -> str:
    """The name as shown to those who download it: no folders, no control characters,
    at most 200 characters ("file" if nothing is left)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    return base[:200] or "file"


# --- reads --------------------------------------------------------------------------------

# $1 lessons: their files without the bytes, oldest first.
FILES_SQL = """
SELECT lesson_id, id, file_name, content_type, size
FROM homework_attachments
WHERE lesson_id = ANY($1::uuid[])
ORDER BY uploaded_at, id
"""

# $1 the assignment, $2 the lesson's date: the date of the assignment's next lesson.
NEXT_LESSON_SQL = """
SELECT min(date) FROM lessons WHERE assignment_id = $1::uuid AND date > $2::date
"""


def _plain(value: uuid.UUID) -> uuid.UUID:
    return uuid.UUID(bytes=value.bytes)


async def files_of(
    session: AsyncSession, lesson_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[HomeworkFile]]:
    """The homework files of each lesson (lessons without any are left out)."""
    found: dict[uuid.UUID, list[HomeworkFile]] = {}
    for row in await driver.fetch(session, FILES_SQL, lesson_ids):
        found.setdefault(_plain(row["lesson_id"]), []).append(
            HomeworkFile(
                attachment_id=_plain(row["id"]),
                file_name=row["file_name"],
                content_type=row["content_type"],
                size=row["size"],
            )
        )
    return found


async def next_lesson_date(session: AsyncSession, lesson: Editing) -> dt.date | None:
    """When the assignment meets next after the lesson (None: no later lesson yet)."""
    day: dt.date | None = await driver.fetchval(
        session, NEXT_LESSON_SQL, lesson.assignment_id, lesson.lesson_date
    )
    return day


# $1 lessons, $2 their assignments, $3 their dates: the date of each one's next lesson.
NEXT_LESSONS_SQL = """
SELECT wanted.lesson_id,
       (SELECT min(lessons.date) FROM lessons
        WHERE lessons.assignment_id = wanted.assignment_id AND lessons.date > wanted.day)
           AS next_on
FROM unnest($1::uuid[], $2::uuid[], $3::date[]) AS wanted(lesson_id, assignment_id, day)
"""


async def next_lesson_dates(
    session: AsyncSession, lessons: list[Editing]
) -> dict[uuid.UUID, dt.date | None]:
    """`next_lesson_date` of many lessons in one statement."""
    if not lessons:
        return {}
    rows = await driver.fetch(
        session,
        NEXT_LESSONS_SQL,
        [lesson.lesson_id for lesson in lessons],
        [lesson.assignment_id for lesson in lessons],
        [lesson.lesson_date for lesson in lessons],
    )
    return {_plain(row["lesson_id"]): row["next_on"] for row in rows}


# --- text and due date ---------------------------------------------------------------------

# $1 lesson, $2 the version it was based on, $3 text, $4 due date, $5-$7 the event.
SET_SQL = """
WITH edited AS (
    UPDATE lessons SET homework = $3::text, homework_due_on = $4::date, version = version + 1
    WHERE id = $1::uuid AND version = $2::int
    RETURNING version
),
event AS (
    INSERT INTO outbox (id, routing_key, envelope)
    SELECT $5::uuid, $6::text, $7::jsonb FROM edited
)
SELECT version FROM edited
"""

# Clearing takes the files with it. $1 lesson, $2 version, $3-$5 the event.
CLEAR_SQL = """
WITH edited AS (
    UPDATE lessons SET homework = NULL, homework_due_on = NULL, version = version + 1
    WHERE id = $1::uuid AND version = $2::int
    RETURNING id, version
),
files AS (
    DELETE FROM homework_attachments WHERE lesson_id IN (SELECT id FROM edited)
),
event AS (
    INSERT INTO outbox (id, routing_key, envelope)
    SELECT $3::uuid, $4::text, $5::jsonb FROM edited
)
SELECT version FROM edited
"""


def check_homework(lesson: Editing, text: str, due_on: dt.date | None, version: int | None) -> int:
    """The version a homework change is based on, once it is known to apply: 428
    without one, 409 when stale, 422 for a due date before the lesson or no change."""
    if version is None:
        raise version_required()
    if lesson.version != version:
        raise stale("lesson", lesson.current())
    if due_on is not None and due_on < lesson.lesson_date:
        raise Problem(
            422,
            "due-before-lesson",
            "Due before the lesson",
            "Срок сдачи домашнего задания не может быть раньше урока.",
        )
    if text == lesson.homework and due_on == lesson.homework_due_on:
        raise Problem(
            422, "nothing-changed", "Nothing changed", "The lesson already has this homework."
        )
    return version


def check_clearing(lesson: Editing, version: int | None) -> int:
    """The version a clearing is based on: 428 without one, 409 when stale."""
    if version is None:
        raise version_required()
    if lesson.version != version:
        raise stale("lesson", lesson.current())
    return version


async def _stale_lesson(session: AsyncSession, user: User, lesson_id: uuid.UUID) -> Problem:
    again = await editing_many(session, user, [lesson_id])
    return stale("lesson", again[lesson_id].current())


def set_event(user: User, lesson: Editing, version: int, files: list[HomeworkFile]) -> HomeworkSet:
    return HomeworkSet(
        school_id=user.school_id,
        version=version,
        lesson_id=lesson.lesson_id,
        lesson_date=lesson.lesson_date,
        class_id=lesson.class_id,
        subject_id=lesson.subject_id,
        subject_name=lesson.subject_name,
        teacher_id=lesson.teacher_id,
        text=lesson.homework,
        due_on=lesson.homework_due_on,
        attachments=files,
    )


def cleared_event(user: User, lesson: Editing, version: int) -> HomeworkCleared:
    return HomeworkCleared(
        school_id=user.school_id,
        version=version,
        lesson_id=lesson.lesson_id,
        lesson_date=lesson.lesson_date,
        class_id=lesson.class_id,
        subject_id=lesson.subject_id,
        teacher_id=lesson.teacher_id,
    )


async def set_homework(
    session: AsyncSession,
    user: User,
    lesson: Editing,
    text: str,
    due_on: dt.date | None,
    version: int | None,
) -> tuple[Editing, bytes]:
    """Set the lesson's homework text and due date (by default the next lesson's date);
    authorized by `editing`. The lesson after it and the answer (`HomeworkOut`)."""
    if due_on is None:
        due_on = await next_lesson_date(session, lesson)
    based = check_homework(lesson, text, due_on, version)
    files = (await files_of(session, [lesson.lesson_id])).get(lesson.lesson_id, [])
    after = replace(lesson, homework=text, homework_due_on=due_on, version=based + 1)
    event = staged(set_event(user, after, based + 1, files))
    written = await driver.fetchval(
        session,
        SET_SQL,
        lesson.lesson_id,
        based,
        text,
        due_on,
        event.id,
        event.routing_key,
        event.envelope,
    )
    if written is None:  # edited by someone else between the read and the write
        raise await _stale_lesson(session, user, lesson.lesson_id)
    return after, homework_answer(after, files)


async def clear_homework(
    session: AsyncSession, user: User, lesson: Editing, version: int | None
) -> tuple[Editing, bytes]:
    """Clear the lesson's homework: its text, due date and files (authorized by `editing`)."""
    based = check_clearing(lesson, version)
    event = staged(cleared_event(user, lesson, based + 1))
    written = await driver.fetchval(
        session, CLEAR_SQL, lesson.lesson_id, based, event.id, event.routing_key, event.envelope
    )
    if written is None:
        raise await _stale_lesson(session, user, lesson.lesson_id)
    after = replace(lesson, homework=None, homework_due_on=None, version=written)
    return after, homework_answer(after, [])


def homework_answer(lesson: Editing, files: list[HomeworkFile]) -> bytes:
    """The homework in the shape of `HomeworkOut`."""
    return orjson.dumps(
        {
            "lesson_id": lesson.lesson_id,
            "text": lesson.homework,
            "due_on": lesson.homework_due_on,
            "attachments": [file.model_dump(mode="json") for file in files],
            "version": lesson.version,
        }
    )


# --- files ---------------------------------------------------------------------------------

# $1 lesson, $2 its version (read under the lesson's lock), $3 file id, $4 school, $5 name,
# $6 type, $7 size, $8 bytes, $9 who, $10 when, $11-$13 the event.
ADD_FILE_SQL = """
WITH edited AS (
    UPDATE lessons SET version = version + 1
    WHERE id = $1::uuid AND version = $2::int
    RETURNING version
),
file AS (
    INSERT INTO homework_attachments (id, school_id, lesson_id, file_name, content_type,
                                      size, content, uploaded_by, uploaded_at)
    SELECT $3::uuid, $4::uuid, $1::uuid, $5::text, $6::varchar, $7::int, $8::bytea,
           $9::uuid, $10::timestamptz
    FROM edited
),
event AS (
    INSERT INTO outbox (id, routing_key, envelope)
    SELECT $11::uuid, $12::text, $13::jsonb FROM edited
)
SELECT version FROM edited
"""

# $1 lesson, $2 its version, $3 the file, $4-$6 the event.
REMOVE_FILE_SQL = """
WITH edited AS (
    UPDATE lessons SET version = version + 1
    WHERE id = $1::uuid AND version = $2::int
    RETURNING version
),
file AS (
    DELETE FROM homework_attachments
    WHERE id = $3::uuid AND lesson_id = $1::uuid AND EXISTS (SELECT 1 FROM edited)
),
event AS (
    INSERT INTO outbox (id, routing_key, envelope)
    SELECT $4::uuid, $5::text, $6::jsonb FROM edited
)
SELECT version FROM edited
"""

# $1 the file, $2 the caller's school, $3 the students the caller reads for (a student
# themself, a parent's children): the file, its lesson's people, and whether one of those
# students was in the lesson's class on its date.
DOWNLOAD_SQL = """
SELECT homework_attachments.file_name, homework_attachments.content_type,
       homework_attachments.content, assignments.teacher_id, classes.class_teacher_id,
       EXISTS (
           SELECT 1 FROM enrollments
           WHERE enrollments.class_id = lessons.class_id
             AND enrollments.student_id = ANY($3::uuid[])
             AND enrollments.starts_on <= lessons.date
             AND (enrollments.ends_on IS NULL OR enrollments.ends_on >= lessons.date)
       ) AS own_class
FROM homework_attachments
JOIN lessons ON lessons.id = homework_attachments.lesson_id
JOIN assignments ON assignments.id = lessons.assignment_id
JOIN classes ON classes.id = lessons.class_id
WHERE homework_attachments.id = $1::uuid AND homework_attachments.school_id = $2::uuid
"""

FILE_LESSON_SQL = """
SELECT lesson_id FROM homework_attachments WHERE id = $1::uuid AND school_id = $2::uuid
"""


@dataclass(frozen=True)
class Download:
    file_name: str
    content_type: str
    content: bytes


async def add_file(
    session: AsyncSession,
    user: User,
    lesson_id: uuid.UUID,
    file_name: str,
    content: bytes,
    *,
    max_bytes: int,
    max_files: int,
) -> bytes:
    """Attach a file to the lesson's homework (the lesson's teacher until it locks, the
    deputy at any time): 413 beyond `max_bytes`, 415 for a type not allowed by its
    content, 422 beyond `max_files`. The answer is the homework (`HomeworkOut`)."""
    await driver.begin(session)  # the lesson stays locked from the checks to the write
    lesson = await editing(session, user, lesson_id)
    if len(content) > max_bytes:
        raise file_too_large(max_bytes)
    if not content:
        raise Problem(422, "empty-file", "Empty file", "Файл пуст.")
    content_type = detected_type(content)
    if content_type is None:
        raise Problem(
            415,
            "file-type-not-allowed",
            "File type not allowed",
            "К домашнему заданию прикладываются PDF, PNG, JPEG, текст, DOCX, XLSX, PPTX "
            "и ODT; тип определяется по содержимому файла.",
        )
    files = (await files_of(session, [lesson_id])).get(lesson_id, [])
    if len(files) >= max_files:
        raise Problem(
            422,
            "too-many-files",
            "Too many files",
            f"К домашнему заданию можно приложить не больше {max_files} файлов.",
        )
    added = HomeworkFile(
        attachment_id=uuid.uuid4(),
        file_name=clean_file_name(file_name),
        content_type=content_type,
        size=len(content),
    )
    files = [*files, added]
    after = replace(lesson, version=lesson.version + 1)
    event = staged(set_event(user, after, after.version, files))
    await driver.fetchval(
        session,
        ADD_FILE_SQL,
        lesson_id,
        lesson.version,
        added.attachment_id,
        user.school_id,
        added.file_name,
        content_type,
        added.size,
        content,
        user.account_id,
        datetime.now(UTC),
        event.id,
        event.routing_key,
        event.envelope,
    )
    return homework_answer(after, files)


def file_too_large(max_bytes: int) -> Problem:
    return Problem(
        413,
        "file-too-large",
        "File too large",
        f"Файл домашнего задания — не больше {max_bytes // (1024 * 1024)} МБ.",
        max_bytes=max_bytes,
    )


async def remove_file(session: AsyncSession, user: User, attachment_id: uuid.UUID) -> bytes:
    """Remove a file from its lesson's homework (the same people as adding one); the
    homework after it (its tombstone when nothing is left)."""
    await driver.begin(session)
    lesson_id = await driver.fetchval(session, FILE_LESSON_SQL, attachment_id, user.school_id)
    if lesson_id is None:
        raise NotFound("attachment")
    lesson = await editing(session, user, _plain(lesson_id))
    files = [
        file
        for file in (await files_of(session, [lesson.lesson_id])).get(lesson.lesson_id, [])
        if file.attachment_id != attachment_id
    ]
    after = replace(lesson, version=lesson.version + 1)
    event = (
        set_event(user, after, after.version, files)
        if files or lesson.homework is not None
        else cleared_event(user, after, after.version)
    )
    ready = staged(event)
    await driver.fetchval(
        session,
        REMOVE_FILE_SQL,
        lesson.lesson_id,
        lesson.version,
        attachment_id,
        ready.id,
        ready.routing_key,
        ready.envelope,
    )
    return homework_answer(after, files)


async def download(session: AsyncSession, user: User, attachment_id: uuid.UUID) -> Download:
    """A homework file for those who see the lesson: its teacher, the class teacher, the
    administration, and the class's students and their parents; 404 for anyone else."""
    readers_students = [user.person_id] if user.has("student") and user.person_id else []
    if user.has("parent"):
        readers_students.extend(user.children)
    row = await driver.fetchrow(
        session, DOWNLOAD_SQL, attachment_id, user.school_id, readers_students
    )
    if row is None:
        raise NotFound("attachment")
    allowed = (
        user.has(*ADMINISTRATION)
        or row["teacher_id"] == user.account_id
        or (user.has("class_teacher") and row["class_teacher_id"] == user.account_id)
        or row["own_class"]
    )
    if not allowed:
        raise NotFound("attachment")
    return Download(row["file_name"], row["content_type"], row["content"])


def require_readable(user: User) -> None:
    """Sysadmins read no journal (403); everyone else is judged per file."""
    require_role(user, *ADMINISTRATION, "teacher", "class_teacher", "student", "parent")
