"""Sealing a closed year: the job `python -m archive seal` and the consumer of
`journal.year.closed` run.

1. The year is claimed (a row in `sealed_years`; a session advisory lock keeps a second
   sealer of the same year out). A year sealed already is left as it is: nothing changes.
2. Journal's export is read with a service token and checked against the manifest
   (archive.journal_export); a mismatch stops here, before anything is stored.
3. Per class journal, in the manifest's order: its JSON Lines package and its PAdES-signed
   PDF are stored, then recorded in `sealed_files` (one transaction per class journal). A
   class journal recorded already is skipped: a job killed in the middle resumes where it
   stopped, with no duplicate and no gap.
4. The year's summary, the school's certificate and public key, then the manifest listing
   every file with its SHA-256, signed with the school's Ed25519 key. Last, in one
   transaction: the year marked sealed and `archive.year.sealed.v1` in the outbox.

Files are written atomically (archive.storage) and recorded only after they are on disk,
so a crash leaves at worst a file not yet recorded, rewritten when the seal resumes.
"""

import asyncio
import datetime as dt
import logging
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from archive import manifest as m
from archive.journal_export import (
    AnotherSchoolsYear,
    ExportMismatch,
    JournalExport,
    ReceivedYear,
    receive_year,
)
from archive.journal_pdf import class_journal_pdf
from archive.keys import SchoolKeys, public_key_fingerprint, school_keys
from archive.models import SealedFile, SealedYear
from archive.package import class_package, year_summary
from archive.pades import sign_pdf
from archive.storage import ArchiveStorage
from shared.contracts.archive import YearSealed
from shared.contracts.journal import YearClosed, YearManifest
from shared.db import Database
from shared.outbox import add_event

log = logging.getLogger(__name__)

# (what is being done, how many class journals are done, how many there are)
Progress = Callable[[str, int, int], None]
Outcome = Literal["sealed", "already-sealed", "busy"]
LOCK_CLASS = 0x5EA1  # the advisory lock's first key: "seal"; the second is from the year


class SealRefused(Exception):
    """The seal cannot go ahead (another school's year, say): nothing was stored."""


@dataclass(frozen=True)
class Retention:
    detailed_years: int
    summary_years: int

    def until(self, ends_on: dt.date) -> dict[str, str]:
        return {
            "detailed_until": years_after(ends_on, self.detailed_years).isoformat(),
            "summary_until": years_after(ends_on, self.summary_years).isoformat(),
        }


def years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Archive:
    """What sealing, reading and purging need: the database, the storage, the keys."""

    db: Database
    storage: ArchiveStorage
    keys_dir: Path
    retention: Retention
    pause: float = 0.0

    def keys(self, school_id: uuid.UUID) -> SchoolKeys:
        return school_keys(self.keys_dir, school_id)


def year_folder(school_id: uuid.UUID, year_id: uuid.UUID) -> str:
    """The year's folder in the storage; every path in its manifest is relative to it."""
    return f"{school_id}/{year_id}"


def class_paths(class_id: uuid.UUID) -> tuple[str, str]:
    return f"classes/{class_id}/journal.jsonl.zip", f"classes/{class_id}/journal.pdf"


SUMMARY_PATH = "summary.jsonl.zip"


async def record_closed_year(session: AsyncSession, event: YearClosed) -> None:
    """`journal.year.closed`: the year is waiting to be sealed, with the manifest to check
    its export against (a year asked for already gets the manifest now)."""
    values = {
        "year_id": event.year_id,
        "school_id": event.school_id,
        "name": event.name,
        "starts_on": event.starts_on,
        "ends_on": event.ends_on,
        "closed_at": event.closed_at,
        "expected_manifest": event.manifest.model_dump(mode="json"),
    }
    statement = insert(SealedYear).values(**values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[SealedYear.year_id],
            set_={"expected_manifest": statement.excluded.expected_manifest},
            where=SealedYear.expected_manifest.is_(None),
        )
    )


async def pending_years(db: Database) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(school, year) of the years waiting to be sealed, oldest request first."""
    async with db.transaction() as session:
        rows = await session.execute(
            select(SealedYear.school_id, SealedYear.year_id)
            .where(SealedYear.status == "pending")
            .order_by(SealedYear.requested_at, SealedYear.year_id)
        )
        return [(school, year) for school, year in rows]


class _YearLock:
    """A session advisory lock on its own connection, for the length of a seal."""

    def __init__(self, db: Database, year_id: uuid.UUID) -> None:
        self.db, self.key = db, int.from_bytes(year_id.bytes[:4], "big", signed=True)

    async def __aenter__(self) -> bool:
        self.connection = await self.db.engine.connect()
        await self.connection.execution_options(isolation_level="AUTOCOMMIT")
        got = await self.connection.scalar(
            text("SELECT pg_try_advisory_lock(:a, :b)"), {"a": LOCK_CLASS, "b": self.key}
        )
        return bool(got)

    async def __aexit__(self, *exc: object) -> None:
        await self.connection.close()  # the lock ends with the session


async def _claim(
    session: AsyncSession, school_id: uuid.UUID, year_id: uuid.UUID
) -> tuple[SealedYear, bool]:
    """The year's row, locked, and whether this call made it."""
    created = await session.scalar(
        insert(SealedYear)
        .values(year_id=year_id, school_id=school_id)
        .on_conflict_do_nothing(index_elements=[SealedYear.year_id])
        .returning(SealedYear.year_id)
    )
    year = await session.scalar(
        select(SealedYear).where(SealedYear.year_id == year_id).with_for_update()
    )
    assert year is not None
    if year.school_id != school_id:
        raise SealRefused(f"year {year_id} is not a year of school {school_id}")
    return year, created is not None


async def seal_year(
    archive: Archive,
    export: JournalExport,
    school_id: uuid.UUID,
    year_id: uuid.UUID,
    progress: Progress | None = None,
) -> Outcome:
    """Seal one closed year (see the module's docstring); safe to repeat and to resume."""
    report = progress or (lambda what, done, total: None)
    async with _YearLock(archive.db, year_id) as locked:
        if not locked:
            return "busy"
        async with archive.db.transaction() as session:
            year, created = await _claim(session, school_id, year_id)
            if year.status == "sealed":
                return "already-sealed"
            year.attempts += 1
            expected = (
                YearManifest.model_validate(year.expected_manifest)
                if year.expected_manifest is not None
                else None
            )
        try:
            with tempfile.TemporaryDirectory(prefix="archive-seal-") as spool:
                report("чтение выгрузки журнала", 0, 0)
                received = await receive_year(
                    export.lines(year_id),
                    Path(spool),
                    year_id=year_id,
                    school_id=school_id,
                    expected=expected,
                )
                await _store(archive, received, report)
        except AnotherSchoolsYear as exc:
            if created:  # asked for under the wrong school: forget the row just made
                async with archive.db.transaction() as session:
                    await session.execute(delete(SealedYear).where(SealedYear.year_id == year_id))
            raise SealRefused(str(exc)) from exc
        except ExportMismatch as exc:
            await _failed(archive.db, year_id, str(exc), refused=True)
            raise
        except Exception as exc:
            await _failed(archive.db, year_id, f"{type(exc).__name__}: {exc}", refused=False)
            raise
        return "sealed"


async def _failed(db: Database, year_id: uuid.UUID, error: str, *, refused: bool) -> None:
    async with db.transaction() as session:
        year = await session.get(SealedYear, year_id, with_for_update=True)
        assert year is not None
        year.last_error = error[:2000]
        if refused:
            year.status = "refused"


async def _recorded(db: Database, year_id: uuid.UUID) -> dict[str, SealedFile]:
    async with db.transaction() as session:
        files = await session.scalars(select(SealedFile).where(SealedFile.year_id == year_id))
        return {f.path: f for f in files}


async def _put(
    archive: Archive,
    session: AsyncSession,
    folder: str,
    listed: m.ListedFile,
    content: bytes,
    school_id: uuid.UUID,
    year_id: uuid.UUID,
) -> None:
    """Store a file, then record it (in the caller's transaction)."""
    await asyncio.to_thread(archive.storage.put, f"{folder}/{listed.path}", content)
    values = {
        "year_id": year_id,
        "school_id": school_id,
        "kind": listed.kind,
        "path": listed.path,
        "class_id": uuid.UUID(listed.class_id) if listed.class_id else None,
        "class_name": listed.class_name,
        "grade": listed.grade,
        "sha256": listed.sha256,
        "size": listed.size,
    }
    statement = insert(SealedFile).values(file_id=uuid.uuid4(), **values)
    # Rewritten after a crash before it was recorded, or (the manifest) on resuming.
    await session.execute(
        statement.on_conflict_do_update(
            constraint="uq_sealed_files_year_id_path",
            set_={"sha256": listed.sha256, "size": listed.size, "stored_at": func.now()},
        )
    )


def _listed(path: str, kind: str, content: bytes, **about: object) -> m.ListedFile:
    return m.ListedFile(path, kind, m.sha256(content), len(content), **about)  # type: ignore[arg-type]


async def _store(archive: Archive, received: ReceivedYear, report: Progress) -> None:
    school_id, year = received.school_id, received.year
    year_id = uuid.UUID(year["year_id"])
    folder = year_folder(school_id, year_id)
    keys = await asyncio.to_thread(archive.keys, school_id)
    recorded = await _recorded(archive.db, year_id)
    total = len(received.class_journals)
    for done, journal in enumerate(received.class_journals):
        report(f"класс {journal.class_name}", done, total)
        package_path, pdf_path = class_paths(journal.class_id)
        if package_path in recorded and pdf_path in recorded:
            continue  # stored before the job was interrupted
        about = {
            "class_id": str(journal.class_id),
            "class_name": journal.class_name,
            "grade": journal.grade,
        }
        package = class_package(received, journal)
        printable = await asyncio.to_thread(class_journal_pdf, journal.lines(), year)
        signed = await sign_pdf(
            printable,
            keys,
            reason=f"Архивное хранение: классный журнал {journal.class_name}, {year['name']}",
        )
        async with archive.db.transaction() as session:
            for path, kind, content in (
                (package_path, "package", package),
                (pdf_path, "pdf", signed),
            ):
                await _put(
                    archive,
                    session,
                    folder,
                    _listed(path, kind, content, **about),
                    content,
                    school_id,
                    year_id,
                )
        if archive.pause:
            await asyncio.sleep(archive.pause)
    report("подпись перечня файлов", total, total)
    await _seal(archive, received, keys, folder)
    report("год запечатан", total, total)


async def _seal(archive: Archive, received: ReceivedYear, keys: SchoolKeys, folder: str) -> None:
    school_id, year = received.school_id, received.year
    year_id = uuid.UUID(year["year_id"])
    summary = year_summary(received)
    certificate = keys.certificate_pem()
    async with archive.db.transaction() as session:
        await _put(
            archive,
            session,
            folder,
            _listed(SUMMARY_PATH, "summary", summary),
            summary,
            school_id,
            year_id,
        )
        await _put(
            archive,
            session,
            folder,
            _listed(m.CERTIFICATE, "certificate", certificate),
            certificate,
            school_id,
            year_id,
        )
    recorded = await _recorded(archive.db, year_id)
    listed = [
        m.ListedFile(
            f.path,
            f.kind,
            f.sha256,
            f.size,
            str(f.class_id) if f.class_id else None,
            f.class_name,
            f.grade,
        )
        for f in recorded.values()
        if f.kind in ("package", "pdf", "summary", "certificate")
    ]
    ends_on = dt.date.fromisoformat(year["ends_on"])
    async with archive.db.transaction() as session:
        sealed_at = (await session.execute(select(func.now()))).scalar_one()
    content = m.year_manifest(
        header=received.header,
        export_sha256=received.manifest.sha256,
        class_journals=len(received.class_journals),
        sealed_at=sealed_at,
        certificate_sha256=m.sha256(certificate),
        files=listed,
        retention=archive.retention.until(ends_on),
    )
    public_key = keys.public_key_pem()
    signature = m.sign(content, keys.manifest_key)
    async with archive.db.transaction() as session:
        for path, kind, data in (
            (m.PUBLIC_KEY, "public_key", public_key),
            (m.MANIFEST, "manifest", content),
            (m.SIGNATURE, "signature", signature),
        ):
            await _put(
                archive, session, folder, _listed(path, kind, data), data, school_id, year_id
            )
        row = await session.get(SealedYear, year_id, with_for_update=True)
        assert row is not None
        row.name, row.closed_at = (
            year["name"],
            dt.datetime.fromisoformat(year["closed_at"].replace("Z", "+00:00")),
        )
        row.starts_on, row.ends_on = dt.date.fromisoformat(year["starts_on"]), ends_on
        row.status, row.sealed_at, row.last_error = "sealed", sealed_at, None
        row.manifest_sha256 = m.sha256(content)
        row.public_key_sha256 = public_key_fingerprint(public_key)
        row.certificate_sha256 = m.sha256(certificate)
        row.class_journals = len(received.class_journals)
        await add_event(
            session,
            YearSealed(
                school_id=school_id,
                version=1,
                year_id=year_id,
                name=year["name"],
                ends_on=ends_on,
                sealed_at=sealed_at,
                class_journals=len(received.class_journals),
                files=len(listed),
                manifest_sha256=row.manifest_sha256,
                public_key_sha256=row.public_key_sha256,
            ),
        )
    log.info(
        "year sealed",
        extra={"year_id": str(year_id), "class_journals": len(received.class_journals)},
    )
