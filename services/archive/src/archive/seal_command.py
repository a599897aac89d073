"""`python -m archive seal|verify|public-key`: the archive's jobs, for operators.

    python -m archive seal --school <id> --year <id>   seal one closed year (progress bar)
    python -m archive seal --pending                  seal every year waiting to be sealed
    python -m archive verify <year folder> --public-key school.pem
                                                      check a sealed year offline
    python -m archive fetch --school <id> --year <id> <folder>
                                                      copy a sealed year out of the
                                                      storage (an S3 bucket), to check it
    python -m archive public-key --school <id>        print the school's public key (PEM)

Settings from ARCHIVE_* (the database migrated first, the storage, the keys, journal's
URL and the client credentials). Exit status: 0 done (sealed, already sealed, intact, fetched),
1 the export did not match its manifest or the check found something, 2 the seal could
not run (journal, auth or the storage failed; nothing half-stored), 3 another job is
sealing the year right now.
"""

import argparse
import asyncio
import json
import sys
import uuid
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TimeElapsedColumn

from archive.integrity import check_year_folder
from archive.jobs import archive_of, journal_export
from archive.journal_export import ExportMismatch, ExportUnavailable
from archive.keys import school_keys
from archive.main import MIGRATIONS
from archive.sealing import SealRefused, pending_years, seal_year, year_folder
from archive.settings import Settings
from archive.storage import StorageError, storage_of
from shared.db import Database
from shared.migrations import upgrade


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m archive", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    seal = commands.add_parser("seal", help="seal closed years into the archive")
    seal.add_argument("--school", type=uuid.UUID)
    seal.add_argument("--year", type=uuid.UUID)
    seal.add_argument("--pending", action="store_true", help="every year waiting to be sealed")
    seal.add_argument("--quiet", action="store_true", help="no progress bar")
    verify = commands.add_parser("verify", help="check a sealed year's folder offline")
    verify.add_argument("folder", type=Path)
    verify.add_argument("--public-key", type=Path, required=True)
    verify.add_argument("--json", action="store_true", help="the report as JSON")
    fetch = commands.add_parser("fetch", help="copy a sealed year out of the storage")
    fetch.add_argument("--school", type=uuid.UUID, required=True)
    fetch.add_argument("--year", type=uuid.UUID, required=True)
    fetch.add_argument("folder", type=Path, help="an empty or new folder")
    key = commands.add_parser("public-key", help="the school's Ed25519 public key (PEM)")
    key.add_argument("--school", type=uuid.UUID, required=True)
    args = parser.parse_args(argv)
    if args.command == "seal" and not args.pending and (args.school is None or args.year is None):
        parser.error("seal needs --school and --year, or --pending")
    return args


async def seal(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    await upgrade(MIGRATIONS, settings.database_url)
    db = Database(settings.database_url, pool_size=2)
    archive = archive_of(settings, db)
    status = 0
    try:
        years = await pending_years(db) if args.pending else [(args.school, args.year)]
        async with journal_export(settings) as export:
            for school_id, year_id in years:
                with Progress(
                    "[progress.description]{task.description}",
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeElapsedColumn(),
                    console=console,
                    disable=args.quiet,
                    transient=False,
                ) as progress:
                    task = progress.add_task(f"год {year_id}", total=None)

                    def report(what: str, done: int, total: int, task: TaskID = task) -> None:
                        progress.update(task, description=what, completed=done, total=total or None)

                    try:
                        outcome = await seal_year(archive, export, school_id, year_id, report)
                    except ExportMismatch as exc:
                        console.print(f"[red]Год {year_id} не запечатан[/red]: {exc}")
                        for difference in exc.differences:
                            console.print(f"  - {difference}")
                        status = max(status, 1)
                        continue
                    except (ExportUnavailable, StorageError, SealRefused) as exc:
                        console.print(f"[red]Год {year_id} не запечатан[/red]: {exc}")
                        status = max(status, 2)
                        continue
                messages = {
                    "sealed": "запечатан",
                    "already-sealed": "уже был запечатан: ничего не изменено",
                    "busy": "сейчас запечатывается другим заданием",
                }
                console.print(f"Год {year_id}: {messages[outcome]}")
                if outcome == "busy":
                    status = max(status, 3)
    finally:
        await db.dispose()
    return status


async def verify(args: argparse.Namespace, console: Console) -> int:
    report = await check_year_folder(args.folder, args.public_key.read_bytes())
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        console.print(
            f"Проверено файлов: {report.files_checked}, подписей PDF: "
            f"{report.signatures_checked}, удалено по сроку хранения: {len(report.purged)}"
        )
        for finding in report.findings:
            console.print(f"[red]{finding.path}[/red]: {finding.problem}")
        console.print("Архив цел." if report.intact else "[red]Архив повреждён.[/red]")
    return 0 if report.intact else 1


def fetch(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    """Copy every file of a year's folder in the storage into `args.folder`."""
    storage = storage_of(settings)
    folder = year_folder(args.school, args.year)
    if args.folder.exists() and any(args.folder.iterdir()):
        console.print(f"[red]{args.folder} не пуст[/red]")
        return 2
    try:
        names = storage.list(folder)
        if not names:
            console.print(f"[red]В хранилище нет года {args.year} школы {args.school}[/red]")
            return 2
        for name in names:
            target = args.folder.joinpath(*name.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(storage.get(f"{folder}/{name}"))
    except StorageError as exc:
        console.print(f"[red]Хранилище архива не выдало год[/red]: {exc}")
        return 2
    console.print(f"Скопировано файлов: {len(names)} в {args.folder}")
    return 0


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    console = Console(stderr=True)
    if args.command == "verify":
        return asyncio.run(verify(args, console))
    settings = Settings()
    if args.command == "fetch":
        return fetch(args, settings, console)
    if args.command == "public-key":
        sys.stdout.write(school_keys(settings.keys_dir, args.school).public_key_pem().decode())
        return 0
    return asyncio.run(seal(args, settings, console))
