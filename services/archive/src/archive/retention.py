"""Retention: a sealed year's class journals (packages and PDFs) are removed once
`detailed_retention_years` have passed since the year's end, its summary of final marks
after `summary_retention_years`; the signed manifest, the certificate and the key stay
for good. `python -m archive purge` (run it daily; `--dry-run` only lists).

Each removal first writes `retention.json` beside the manifest, signed like it with the
school's key, naming every file removed and when, so the integrity check tells a file
removed by its time from one lost; then the files go; then, in one transaction, their
rows are marked purged and `archive.year.purged.v1` says what went. A purge interrupted
anywhere is repeated whole by the next run (each step is safe to repeat).
"""

import argparse
import asyncio
import datetime as dt
import json
import sys
import uuid
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select, update

from archive import manifest as m
from archive.models import SealedFile, SealedYear
from archive.sealing import Archive, year_folder, years_after
from shared.contracts.archive import ArchivePurged
from shared.db import Database
from shared.outbox import add_event

Kind = Literal["detailed", "summary"]
FILE_KINDS: dict[Kind, tuple[str, ...]] = {"detailed": ("package", "pdf"), "summary": ("summary",)}


@dataclass(frozen=True)
class Purged:
    school_id: uuid.UUID
    year_id: uuid.UUID
    kind: Kind
    paths: list[str]
    bytes: int


def _due(archive: Archive, kind: Kind, year: SealedYear, today: dt.date) -> bool:
    years = (
        archive.retention.detailed_years if kind == "detailed" else archive.retention.summary_years
    )
    done = year.detailed_purged_at if kind == "detailed" else year.summary_purged_at
    return done is None and year.ends_on is not None and years_after(year.ends_on, years) <= today


async def purge(archive: Archive, today: dt.date, *, dry_run: bool = False) -> list[Purged]:
    """Remove what has outlived its keeping time (as of `today`); what was removed."""
    async with archive.db.transaction() as session:
        years = list(await session.scalars(select(SealedYear).where(SealedYear.status == "sealed")))
    purged: list[Purged] = []
    for year in sorted(years, key=lambda y: (y.ends_on or dt.date.min, y.year_id)):
        for kind in ("detailed", "summary"):
            if _due(archive, kind, year, today):
                purged.append(await _purge_year(archive, year, kind, today, dry_run))
    return purged


async def _purge_year(
    archive: Archive, year: SealedYear, kind: Kind, today: dt.date, dry_run: bool
) -> Purged:
    async with archive.db.transaction() as session:
        files = list(
            await session.scalars(
                select(SealedFile)
                .where(SealedFile.year_id == year.year_id, SealedFile.kind.in_(FILE_KINDS[kind]))
                .order_by(SealedFile.path)
            )
        )
        earlier = list(
            await session.scalars(
                select(SealedFile).where(
                    SealedFile.year_id == year.year_id, SealedFile.purged_at.is_not(None)
                )
            )
        )
    result = Purged(
        year.school_id, year.year_id, kind, [f.path for f in files], sum(f.size for f in files)
    )
    if dry_run:
        return result
    folder = year_folder(year.school_id, year.year_id)
    keys = await asyncio.to_thread(archive.keys, year.school_id)
    moment = dt.datetime.now(dt.UTC)
    record = m.canonical_json(
        {
            "format": "archive-retention/1",
            "year_id": str(year.year_id),
            "purged": [
                {
                    "path": f.path,
                    "kind": f.kind,
                    "sha256": f.sha256,
                    "purged_at": (f.purged_at or moment).isoformat(),
                }
                for f in sorted([*earlier, *files], key=lambda f: f.path)
            ],
        }
    )
    await asyncio.to_thread(archive.storage.put, f"{folder}/{m.RETENTION}", record)
    await asyncio.to_thread(
        archive.storage.put, f"{folder}/{m.RETENTION_SIGNATURE}", m.sign(record, keys.manifest_key)
    )
    for file in files:
        await asyncio.to_thread(archive.storage.delete, f"{folder}/{file.path}")
    years = (
        archive.retention.detailed_years if kind == "detailed" else archive.retention.summary_years
    )
    assert year.ends_on is not None
    async with archive.db.transaction() as session:
        await session.execute(
            update(SealedFile)
            .where(SealedFile.file_id.in_([f.file_id for f in files]))
            .values(purged_at=moment)
        )
        column = "detailed_purged_at" if kind == "detailed" else "summary_purged_at"
        await session.execute(
            update(SealedYear).where(SealedYear.year_id == year.year_id).values({column: moment})
        )
        await add_event(
            session,
            ArchivePurged(
                school_id=year.school_id,
                version=2 if kind == "detailed" else 3,
                year_id=year.year_id,
                kind=kind,
                files=len(files),
                bytes=result.bytes,
                class_ids=sorted({f.class_id for f in files if f.class_id is not None}),
                kept_until=years_after(year.ends_on, years),
            ),
        )
    return result


def main(argv: list[str]) -> int:
    from archive.jobs import archive_of
    from archive.main import MIGRATIONS
    from archive.settings import Settings
    from shared.migrations import upgrade

    parser = argparse.ArgumentParser(
        prog="python -m archive purge", description="Remove what has outlived its keeping time."
    )
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today())
    parser.add_argument("--dry-run", action="store_true", help="list only, remove nothing")
    args = parser.parse_args(argv)
    settings = Settings()

    async def run() -> list[Purged]:
        await upgrade(MIGRATIONS, settings.database_url)
        db = Database(settings.database_url, pool_size=2)
        try:
            return await purge(archive_of(settings, db), args.today, dry_run=args.dry_run)
        finally:
            await db.dispose()

    for item in asyncio.run(run()):
        print(
            json.dumps(
                {
                    "school_id": str(item.school_id),
                    "year_id": str(item.year_id),
                    "kind": item.kind,
                    "files": item.paths,
                    "bytes": item.bytes,
                    "dry_run": args.dry_run,
                },
                ensure_ascii=False,
            ),
            file=sys.stdout,
        )
    return 0
