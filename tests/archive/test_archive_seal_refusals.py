"""A seal that cannot be trusted stops with a clear error and stores nothing: an export
that does not match the manifest of `journal.year.closed` (counts or hashes), one cut off
or changed on the way, another school's year; a storage that cannot be written is
reported, not swallowed, and the year stays in line to be tried again."""

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from archive_samples import JOURNAL_URL, StaticToken, journal_outbox, rows, sealed_files
from journal_world import World

from archive.journal_export import ExportMismatch, ExportUnavailable, HttpJournalExport
from archive.sealing import Archive, SealRefused, seal_year
from archive.storage import LocalStorage, StorageError
from shared.contracts.journal import YearClosed
from shared.db import Database

Closed = tuple[uuid.UUID, dict[str, Any]]


class Altered:
    """Journal's export with its lines passed through `change` on the way."""

    def __init__(self, export: HttpJournalExport, change: Any) -> None:
        self.export, self.change = export, change

    async def lines(self, year_id: uuid.UUID) -> AsyncIterator[bytes]:
        async for line in self.export.lines(year_id):
            for changed in self.change(line):
                yield changed


def canonical(record: dict[str, Any]) -> bytes:
    text = json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.encode() + b"\n"


async def nothing_stored(db: Database, storage_dir: Path, year_id: uuid.UUID) -> None:
    assert await sealed_files(db, year_id) == []
    stored = [p for p in storage_dir.rglob("*") if p.is_file()] if storage_dir.exists() else []
    assert stored == []
    assert [
        e
        for e in await journal_outbox(db, "archive.year.sealed.v1")
        if e["data"]["year_id"] == str(year_id)
    ] == []


async def status_of(db: Database, year_id: uuid.UUID) -> dict[str, Any]:
    [year] = await rows(
        db, "SELECT status, last_error FROM sealed_years WHERE year_id = :y", y=year_id
    )
    return year


async def test_an_export_not_matching_the_closing_manifest_is_refused_naming_the_difference(
    world: World,
    closed: Closed,
    archive: Archive,
    export: HttpJournalExport,
    db: Database,
    deliver: Any,
    storage_dir: Path,
) -> None:
    year_id, data = closed
    manifest = data["manifest"]
    entry = next(e for e in manifest["class_journals"] if e["class_id"] == str(world.class_id))
    entry["counts"]["marks"] += 1  # journal announced one mark more than it exports
    await deliver(YearClosed.model_validate({**data, "school_id": world.school_id}))

    with pytest.raises(ExportMismatch) as refused:
        await seal_year(archive, export, world.school_id, year_id)

    assert any("5А" in d and "marks 2 instead of 3" in d for d in refused.value.differences), (
        refused.value.differences
    )
    await nothing_stored(db, storage_dir, year_id)
    year = await status_of(db, year_id)
    assert year["status"] == "refused"
    assert "marks 2 instead of 3" in year["last_error"]


async def test_a_line_changed_on_the_way_is_caught_by_its_class_journals_hash(
    world: World,
    closed: Closed,
    archive: Archive,
    export: HttpJournalExport,
    db: Database,
    storage_dir: Path,
) -> None:
    year_id, _ = closed

    def better_mark(line: bytes) -> list[bytes]:
        record = json.loads(line)
        if record["record"] == "mark" and record["value"] == 3:
            record["value"] = 5
            return [canonical(record)]  # still canonical: only the hash can tell
        return [line]

    with pytest.raises(ExportMismatch) as refused:
        await seal_year(archive, Altered(export, better_mark), world.school_id, year_id)

    [difference] = refused.value.differences
    assert f"class journal 5А ({world.class_id}): SHA-256" in difference
    await nothing_stored(db, storage_dir, year_id)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda line: [] if b'"record":"trailer"' in line else [line], "ended before its trailer"),
        (
            lambda line: (
                [line.replace(b'{"', b'{ "', 1)] if b'"record":"lesson"' in line else [line]
            ),
            "not canonical JSON",
        ),
        (
            lambda line: [line, line] if b'"record":"class"' in line else [line],
            "5А",
        ),
        (
            lambda line: [] if b'"record":"attendance"' in line else [line],
            "attendance 0 instead of 1",
        ),
    ],
    ids=["cut off", "reformatted", "a class journal twice", "attendance left out"],
)
async def test_a_damaged_export_is_refused_and_nothing_is_stored(
    world: World,
    closed: Closed,
    archive: Archive,
    export: HttpJournalExport,
    db: Database,
    storage_dir: Path,
    change: Any,
    why: str,
) -> None:
    year_id, _ = closed

    with pytest.raises(ExportMismatch) as refused:
        await seal_year(archive, Altered(export, change), world.school_id, year_id)

    assert why in str(refused.value)
    await nothing_stored(db, storage_dir, year_id)


async def test_another_schools_year_is_refused_and_forgotten(
    world: World, closed: Closed, archive: Archive, export: HttpJournalExport, db: Database
) -> None:
    year_id, _ = closed

    with pytest.raises(SealRefused, match="not a year of school"):
        await seal_year(archive, export, uuid.uuid4(), year_id)

    assert await rows(db, "SELECT 1 FROM sealed_years WHERE year_id = :y", y=year_id) == []
    assert await seal_year(archive, export, world.school_id, year_id) == "sealed"


async def test_an_unwritable_storage_is_reported_and_the_year_stays_in_line(
    world: World,
    closed: Closed,
    archive: Archive,
    export: HttpJournalExport,
    db: Database,
    tmp_path: Path,
) -> None:
    year_id, _ = closed
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the storage's folder should be")
    unwritable = Archive(
        db=db,
        storage=LocalStorage(blocked / "storage"),
        keys_dir=archive.keys_dir,
        retention=archive.retention,
    )

    with pytest.raises(StorageError, match="not writable"):
        await seal_year(unwritable, export, world.school_id, year_id)

    assert await sealed_files(db, year_id) == []
    year = await status_of(db, year_id)
    assert year["status"] == "pending"
    assert "StorageError" in year["last_error"]
    assert await seal_year(archive, export, world.school_id, year_id) == "sealed"


async def test_journal_refusing_the_token_is_reported(
    world: World,
    closed: Closed,
    archive: Archive,
    journal_http: Any,
    db: Database,
    storage_dir: Path,
) -> None:
    year_id, _ = closed
    user_token = world.token("director")  # a person's token: journal answers 403
    export = HttpJournalExport(journal_http, JOURNAL_URL, StaticToken(user_token))

    with pytest.raises(ExportUnavailable, match="journal answered 403"):
        await seal_year(archive, export, world.school_id, year_id)

    await nothing_stored(db, storage_dir, year_id)
    assert (await status_of(db, year_id))["status"] == "pending"
