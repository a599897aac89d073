"""Reading the archive: the school's sealed years, their files, downloads and the
integrity check, by role (the school's director and deputy; the system administrator
sees the list and the integrity status, never a file: it does not read grades). Another
school's year is not found (404), as everywhere.

A student (or a parent, for a child in the token) reads their own report card of an
archived year: the final marks the year's summary holds for them.
"""

import asyncio
import hashlib
import io
import json
import logging
import uuid
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from archive.integrity import IntegrityReport, StoredFiles, check_year
from archive.keys import school_keys
from archive.models import SealedFile, SealedYear
from archive.sealing import SUMMARY_PATH, year_folder
from archive.storage import (
    ArchiveStorage,
    MissingFromStorage,
    StorageError,
    StorageUnavailable,
)
from shared.errors import NotFound, Problem
from shared.security import User

log = logging.getLogger(__name__)

LISTERS = ("director", "deputy", "sysadmin")
DOWNLOADERS = ("director", "deputy")
FAMILY = ("student", "parent")


@dataclass(frozen=True)
class ArchiveFiles:
    """The storage and the schools' keys, as the API process sees them."""

    storage: ArchiveStorage
    keys_dir: Path


async def school_years(session: AsyncSession, user: User) -> list[SealedYear]:
    user.require(*LISTERS)
    years = await session.scalars(
        select(SealedYear)
        .where(SealedYear.school_id == user.school_id)
        .order_by(SealedYear.ends_on.desc().nulls_last(), SealedYear.year_id)
    )
    return list(years)


async def school_year(
    session: AsyncSession, user: User, year_id: uuid.UUID, *roles: str
) -> SealedYear:
    user.require(*(roles or LISTERS))
    year = await session.get(SealedYear, year_id)
    if year is None or year.school_id != user.school_id:
        raise NotFound("archived year")
    return year


async def year_files(session: AsyncSession, year: SealedYear) -> list[SealedFile]:
    files = await session.scalars(
        select(SealedFile)
        .where(SealedFile.year_id == year.year_id)
        .order_by(SealedFile.grade.nulls_last(), SealedFile.class_name, SealedFile.path)
    )
    return list(files)


class FileDamaged(Problem):
    def __init__(self, path: str, why: str) -> None:
        super().__init__(
            409,
            "archive-file-damaged",
            "Файл архива повреждён",
            f"Файл {path} не выдан: {why}. Запустите проверку целостности.",
            path=path,
        )


async def file_content(
    session: AsyncSession, files: ArchiveFiles, user: User, year_id: uuid.UUID, file_id: uuid.UUID
) -> tuple[SealedFile, bytes]:
    """A sealed file's bytes, checked against its SHA-256 before they are given out."""
    year = await school_year(session, user, year_id, *DOWNLOADERS)
    found = await session.get(SealedFile, file_id)
    if found is None or found.year_id != year.year_id:
        raise NotFound("archived file")
    if found.purged_at is not None:
        raise Problem(
            410,
            "archive-file-purged",
            "Срок хранения истёк",
            f"Файл {found.path} удалён по истечении срока хранения.",
            purged_at=found.purged_at.isoformat(),
        )
    key = f"{year_folder(year.school_id, year.year_id)}/{found.path}"
    try:
        content = await _fetch(files.storage, key)
    except MissingFromStorage:
        raise FileDamaged(found.path, "его нет в хранилище") from None
    if hashlib.sha256(content).hexdigest() != found.sha256:
        raise FileDamaged(found.path, "контрольная сумма не совпадает с записанной при архивации")
    return found, content


class StorageAway(Problem):
    """The storage cannot give files out now (an S3 endpoint down, a bucket gone)."""

    def __init__(self) -> None:
        super().__init__(
            503,
            "archive-storage-unavailable",
            "Хранилище архива недоступно",
            "Хранилище архива сейчас не выдаёт файлы. Повторите позже; если не пройдёт, "
            "сообщите системному администратору.",
        )
        self.headers = {"Retry-After": "5"}


def _storage_failed(exc: StorageError) -> StorageAway:
    """A storage that cannot answer, or answers with an error (a missing bucket, refused
    access): the operator reads which in the log (no personal data in it: keys are ids)."""
    if isinstance(exc, StorageUnavailable):
        log.warning("archive storage unavailable", extra={"error": str(exc)})
    else:
        log.error("archive storage failed", extra={"error": str(exc)})
    return StorageAway()


async def _fetch(storage: ArchiveStorage, key: str) -> bytes:
    """A stored file's bytes; MissingFromStorage is left to the caller."""
    try:
        return await asyncio.to_thread(storage.get, key)
    except MissingFromStorage:
        raise
    except StorageError as exc:
        raise _storage_failed(exc) from None


class NotSealed(Problem):
    def __init__(self, year: SealedYear) -> None:
        super().__init__(
            409,
            "year-not-sealed",
            "Год ещё не запечатан",
            f"Учебный год {year.name or year.year_id} ещё не запечатан в архив.",
        )


async def integrity(
    session: AsyncSession, files: ArchiveFiles, user: User, year_id: uuid.UUID
) -> IntegrityReport:
    """Recompute every hash and check the signatures of a sealed year, with the school's
    public key; the recorded hashes are compared with the manifest's too."""
    year = await school_year(session, user, year_id)
    if year.status != "sealed":
        raise NotSealed(year)
    stored = StoredFiles(files.storage, year_folder(year.school_id, year.year_id))
    keys = await asyncio.to_thread(school_keys, files.keys_dir, year.school_id)
    try:
        report = await check_year(stored, keys.public_key_pem())
        manifest = await asyncio.to_thread(stored.read, "manifest.json")
    except StorageError as exc:
        raise _storage_failed(exc) from None
    try:
        listed = {e["path"]: e["sha256"] for e in json.loads(manifest or b"")["files"]}
    except (ValueError, KeyError, TypeError):
        listed = {}  # missing or not a manifest: named by the check already
    if listed:
        for recorded in await year_files(session, year):
            if recorded.path in listed and listed[recorded.path] != recorded.sha256:
                report.found(recorded.path, "the database records another SHA-256")
    return report


def _family_reads(user: User, student_id: uuid.UUID) -> bool:
    """The student themself, or a parent with the child in the token."""
    user.require(*FAMILY)
    return user.person_id == student_id if user.has("student") else student_id in user.children


def _student_in_summary(
    summary: bytes, student_id: uuid.UUID, *, with_finals: bool
) -> tuple[dict[str, Any], dict[str, Any], dict[str, dict[str, Any]]] | None:
    """The student's record, their class and (asked for) their final marks by subject,
    from a year's summary; None if the student is not in it."""
    student: dict[str, Any] | None = None
    klass: dict[str, Any] | None = None
    current_class: dict[str, Any] | None = None
    finals: dict[str, dict[str, Any]] = defaultdict(dict)
    with zipfile.ZipFile(io.BytesIO(summary)) as archive:
        for line in archive.read("summary.jsonl").splitlines():
            record = json.loads(line)
            kind = record["record"]
            if kind == "class":
                current_class = record
            elif kind == "student" and record["student_id"] == str(student_id):
                student, klass = record, current_class
                if not with_finals:
                    break
            elif (
                kind == "final_mark"
                and record["student_id"] == str(student_id)
                and record["removed_at"] is None
            ):
                subject = finals[record["subject_id"]]
                subject.setdefault("subject_name", record["subject_name"])
                subject.setdefault("finals", []).append(
                    {
                        "period_kind": record["period_kind"],
                        "period_number": record["period_number"],
                        "value": str(record["value"]),
                    }
                )
    if student is None or klass is None:
        return None
    return student, klass, finals


async def report_card_years(
    session: AsyncSession, files: ArchiveFiles, user: User, student_id: uuid.UUID
) -> dict[str, Any]:
    """The archived years that hold a report card of the student, newest first (the
    student; a parent of the child): the sealed years whose summary names them."""
    if not _family_reads(user, student_id):
        raise NotFound("report cards")
    years = await session.scalars(
        select(SealedYear)
        .where(
            SealedYear.school_id == user.school_id,
            SealedYear.status == "sealed",
            SealedYear.summary_purged_at.is_(None),
        )
        .order_by(SealedYear.ends_on.desc().nulls_last(), SealedYear.year_id)
    )
    items: list[dict[str, Any]] = []
    names: dict[str, Any] = {"last_name": None, "first_name": None}
    for year in years:
        key = f"{year_folder(year.school_id, year.year_id)}/{SUMMARY_PATH}"
        try:
            summary = await _fetch(files.storage, key)
        except MissingFromStorage:
            continue  # lost: the integrity check names it
        found = await asyncio.to_thread(_student_in_summary, summary, student_id, with_finals=False)
        if found is None:
            continue
        student, klass, _ = found
        if names["last_name"] is None:
            names = {"last_name": student["last_name"], "first_name": student["first_name"]}
        items.append(
            {
                "year_id": year.year_id,
                "year_name": year.name,
                "starts_on": year.starts_on,
                "ends_on": year.ends_on,
                "class_name": klass["name"],
            }
        )
    return {"student_id": student_id, **names, "items": items}


async def report_card(
    session: AsyncSession,
    files: ArchiveFiles,
    user: User,
    year_id: uuid.UUID,
    student_id: uuid.UUID,
) -> dict[str, Any]:
    """A student's final marks of an archived year, from the year's summary."""
    own = _family_reads(user, student_id)
    year = await session.get(SealedYear, year_id)
    if not own or year is None or year.school_id != user.school_id or year.status != "sealed":
        raise NotFound("report card")
    key = f"{year_folder(year.school_id, year.year_id)}/{SUMMARY_PATH}"
    try:
        summary = await _fetch(files.storage, key)
    except MissingFromStorage:
        raise NotFound("report card") from None  # purged with its time, or lost
    found = await asyncio.to_thread(_student_in_summary, summary, student_id, with_finals=True)
    if found is None:
        raise NotFound("report card")
    student, klass, finals = found
    return {
        "year_id": str(year.year_id),
        "year_name": year.name,
        "student_id": str(student_id),
        "last_name": student["last_name"],
        "first_name": student["first_name"],
        "class_name": klass["name"],
        "subjects": sorted(
            ({"subject_id": k, **v} for k, v in finals.items()), key=lambda s: s["subject_name"]
        ),
    }
