"""Retention: the class journals are removed `detailed_retention_years` (5) after the
year's end, the summary of final marks after `summary_retention_years` (25); the signed
retention record names what went, so the year still checks intact; each removal is
published (`archive.year.purged.v1`), once; a purged file answers 410."""

import datetime as dt
import uuid
from pathlib import Path

import httpx
from archive_samples import folder_of, journal_outbox, rows
from journal_world import World

from archive.integrity import check_year_folder
from archive.keys import school_keys
from archive.retention import purge
from archive.sealing import Archive
from shared.db import Database
from shared.testing import TokenFactory

YEAR_ENDS = dt.date(2027, 5, 31)


async def purged_events(db: Database, year: uuid.UUID) -> list[dict[str, object]]:
    return [
        e["data"]
        for e in await journal_outbox(db, "archive.year.purged.v1")
        if e["data"]["year_id"] == str(year)
    ]


async def test_nothing_is_removed_before_its_time(
    world: World, sealed: uuid.UUID, archive: Archive, db: Database, storage_dir: Path
) -> None:
    before = sorted(p.name for p in folder_of(storage_dir, world.school_id, sealed).rglob("*"))

    assert await purge(archive, dt.date(2032, 5, 30)) == []

    assert (
        sorted(p.name for p in folder_of(storage_dir, world.school_id, sealed).rglob("*")) == before
    )
    assert await purged_events(db, sealed) == []


async def test_class_journals_go_after_five_years_and_the_summary_after_twenty_five(
    world: World,
    sealed: uuid.UUID,
    archive: Archive,
    db: Database,
    storage_dir: Path,
    keys_dir: Path,
    client: httpx.AsyncClient,
    tokens: TokenFactory,
) -> None:
    folder = folder_of(storage_dir, world.school_id, sealed)
    public_key = school_keys(keys_dir, world.school_id).public_key_pem()

    dry = await purge(archive, dt.date(2032, 5, 31), dry_run=True)
    assert [p.kind for p in dry] == ["detailed"] and len(dry[0].paths) == 4
    assert (folder / f"classes/{world.class_id}/journal.pdf").exists()

    [detailed] = await purge(archive, dt.date(2032, 5, 31))
    assert await purge(archive, dt.date(2032, 6, 1)) == []  # once

    assert detailed.kind == "detailed" and len(detailed.paths) == 4
    assert not (folder / "classes").exists() or not any((folder / "classes").rglob("*.pdf"))
    assert (folder / "summary.jsonl.zip").exists() and (folder / "manifest.json").exists()
    report = await check_year_folder(folder, public_key)
    assert report.intact, report.findings
    assert sorted(report.purged) == sorted(detailed.paths)
    [event] = await purged_events(db, sealed)
    assert event["kind"] == "detailed" and event["files"] == 4
    assert str(world.class_id) in event["class_ids"]  # type: ignore[operator]
    assert event["kept_until"] == "2032-05-31"
    [pdf] = await rows(
        db,
        "SELECT file_id FROM sealed_files WHERE year_id = :y AND kind = 'pdf' AND class_id = :c",
        y=sealed,
        c=world.class_id,
    )
    token = tokens.token(school_id=world.school_id, roles=["director"])
    gone = await client.get(
        f"/api/archive/years/{sealed}/files/{pdf['file_id']}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert gone.status_code == 410
    assert gone.json()["type"] == "urn:school:problem:archive-file-purged"
    card = f"/api/archive/years/{sealed}/report-cards/{world.student_id}"
    assert (await client.get(card, headers=world.auth("student"))).status_code == 200

    [summary] = await purge(archive, dt.date(2052, 5, 31))

    assert summary.paths == ["summary.jsonl.zip"]
    assert not (folder / "summary.jsonl.zip").exists()
    report = await check_year_folder(folder, public_key)
    assert report.intact and len(report.purged) == 5
    assert [e["kind"] for e in await purged_events(db, sealed)] == ["detailed", "summary"]
    assert (await client.get(card, headers=world.auth("student"))).status_code == 404


async def test_a_file_lost_before_its_time_is_still_named_missing(
    world: World, sealed: uuid.UUID, archive: Archive, storage_dir: Path, keys_dir: Path
) -> None:
    folder = folder_of(storage_dir, world.school_id, sealed)
    await purge(archive, dt.date(2032, 5, 31))
    (folder / "summary.jsonl.zip").unlink()  # not due for 20 more years

    report = await check_year_folder(
        folder, school_keys(keys_dir, world.school_id).public_key_pem()
    )

    assert [(f.path, f.problem) for f in report.findings] == [("summary.jsonl.zip", "missing")]
