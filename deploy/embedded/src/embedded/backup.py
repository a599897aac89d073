"""Backups of the embedded mode that restore to the last committed write, not last night's.

    SCHOOL_BACKUP_DIR=<dir> ./school up      stream every change into <dir> while running
    ./school backup [--data-dir D] [--backup-dir B]    a new base backup (running or not)
    ./school restore [--data-dir D] [--backup-dir B]   rebuild <D>/pg from <B> (stopped)

The backup directory holds:

    base/<stamp>/pgdata     a base backup (pg_basebackup, plain format, with its manifest)
    base/<stamp>/files      the data directory's other files (the archive's storage, ...)
    wal/                    the write-ahead log since then, streamed by pg_receivewal
                            through the replication slot `school_backup` (the slot keeps
                            the WAL on the server while the stream is down)
    superseded/<stamp>/     what a restore replaced: the old chain and the old data

A restore takes the newest base backup, checks it against its manifest (pg_verifybackup)
before it touches anything, moves the current `pg/` aside, copies the base backup in and
lets PostgreSQL replay the streamed WAL to its end (the segment being written, `.partial`,
included), then promotes. The restored server begins a new timeline, so the old chain is
moved to `superseded/` and the next start takes a fresh base backup.

The embedded bus keeps its queues in the same PostgreSQL (`school_bus`), so events not yet
delivered are restored with the rest; there are no RabbitMQ definitions in this mode.
"""

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

from embedded.lock import LOCK_FILE, hold_data_dir
from embedded.postgres import EmbeddedPostgres, embedded_postgres
from embedded.problems import StartupProblem

SLOT = "school_backup"
KEEP_BASE_BACKUPS = 2
# Files of the data directory that are not data: the launcher's lock, pgserver's lock.
NOT_DATA = {"pg", LOCK_FILE, "pg.lock"}


def bin_path(program: str) -> str:
    """A PostgreSQL program of the same installation as the embedded server (pgserver's)."""
    from pgserver._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / program)


def backup_dir_from_env() -> Path | None:
    value = os.environ.get("SCHOOL_BACKUP_DIR")
    return Path(value) if value else None


class BackupDir:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.base = self.root / "base"
        self.wal = self.root / "wal"
        self.superseded = self.root / "superseded"

    def base_backups(self) -> list[Path]:
        """The complete base backups, oldest first (one being taken is `<stamp>.partial`)."""
        if not self.base.is_dir():
            return []
        return sorted(p for p in self.base.iterdir() if p.is_dir() and "." not in p.name)

    def latest(self) -> Path | None:
        found = self.base_backups()
        return found[-1] if found else None


def _server_user() -> str | None:
    """The user PostgreSQL runs as: pgserver's own `pgserver` user when we are root."""
    return "pgserver" if os.geteuid() == 0 else None


def _run(*command: str, what: str, user: str | None = None) -> None:
    done = subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, check=False, user=user
    )
    if done.returncode != 0:
        raise StartupProblem(f"{what}: {done.stderr.strip() or done.stdout.strip()}")


def _stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")


async def ensure_slot(postgres: EmbeddedPostgres) -> None:
    """The replication slot the stream reads through, reserving WAL from now on."""
    async with postgres.admin() as admin:
        await admin.execute(
            "SELECT pg_create_physical_replication_slot($1, true)"
            " WHERE NOT EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = $1)",
            SLOT,
        )


async def drop_slot(postgres: EmbeddedPostgres) -> None:
    """Without a stream the slot would keep every WAL segment forever: dropped when the
    school runs without backups."""
    async with postgres.admin() as admin:
        await admin.execute(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
            " WHERE slot_name = $1 AND NOT active",
            SLOT,
        )


@contextlib.asynccontextmanager
async def streaming(postgres: EmbeddedPostgres, backups: BackupDir) -> AsyncIterator[None]:
    """pg_receivewal runs beside the school, writing the WAL into the backup directory and
    flushing each write (`--synchronous`); it reconnects by itself if the server goes."""
    if postgres.port is not None:
        raise StartupProblem("backups of the embedded mode need PostgreSQL on a Unix socket")
    backups.wal.mkdir(parents=True, exist_ok=True)
    await ensure_slot(postgres)
    stream = await asyncio.create_subprocess_exec(
        bin_path("pg_receivewal"),
        *("-D", str(backups.wal), "-S", SLOT, "--synchronous"),
        *("-h", postgres.host, "-U", "postgres", "--no-password"),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=open(backups.root / "pg_receivewal.log", "ab"),  # noqa: ASYNC230, SIM115
    )
    try:
        yield
    finally:
        if stream.returncode is None:
            stream.send_signal(signal.SIGINT)  # its clean stop: the partial segment flushed
            try:
                await asyncio.wait_for(stream.wait(), 10)
            except TimeoutError:
                stream.kill()
                await stream.wait()


def take_base_backup(postgres: EmbeddedPostgres, data_dir: Path, backups: BackupDir) -> Path:
    """A base backup of the running embedded server, checked against its manifest, with the
    data directory's other files; older ones beyond the newest two are removed, and the WAL
    that only they needed."""
    if postgres.port is not None:
        raise StartupProblem("backups of the embedded mode need PostgreSQL on a Unix socket")
    backups.base.mkdir(parents=True, exist_ok=True)
    stamp = _stamp()
    partial = backups.base / f"{stamp}.partial"
    _run(
        bin_path("pg_basebackup"),
        *("-D", str(partial / "pgdata"), "-Fp", "-X", "stream", "-c", "fast"),
        *("--manifest-checksums=SHA256", "-h", postgres.host, "-U", "postgres", "-w"),
        what="pg_basebackup",
    )
    _run(bin_path("pg_verifybackup"), str(partial / "pgdata"), what="pg_verifybackup")
    files = partial / "files"
    files.mkdir()
    for entry in data_dir.resolve().iterdir():
        if entry.name in NOT_DATA or entry.resolve() == backups.root:
            continue
        if entry.is_dir():
            shutil.copytree(entry, files / entry.name, symlinks=True)
        else:
            shutil.copy2(entry, files / entry.name)
    done = backups.base / stamp
    partial.rename(done)
    _prune(backups)
    return done


def _prune(backups: BackupDir) -> None:
    kept = backups.base_backups()[-KEEP_BASE_BACKUPS:]
    for old in backups.base_backups()[:-KEEP_BASE_BACKUPS]:
        shutil.rmtree(old)
    if kept and backups.wal.is_dir():
        label = (kept[0] / "pgdata" / "backup_label").read_text()
        found = re.search(r"START WAL LOCATION: \S+ \(file (\w+)\)", label)
        if found:
            _run(
                bin_path("pg_archivecleanup"), str(backups.wal), found[1], what="pg_archivecleanup"
            )


async def backup(data_dir: Path, backups: BackupDir) -> Path:
    """`./school backup`: on the running school's server, or on one started for it."""
    async with embedded_postgres(data_dir) as postgres:
        await ensure_slot(postgres)
        return await asyncio.to_thread(take_base_backup, postgres, data_dir, backups)


def restore(data_dir: Path, backups: BackupDir) -> str:
    """`./school restore`: the data directory's PostgreSQL rebuilt from the newest base
    backup and the streamed WAL, to the last write the stream received. Refused while the
    school runs; a damaged backup is refused before anything is touched. What it replaced
    is kept under `superseded/`. Returns the moment of the last transaction replayed."""
    base = backups.latest()
    if base is None:
        raise StartupProblem(f"в {backups.root} нет ни одной базовой копии (./school backup)")
    check = subprocess.run(  # noqa: S603
        [bin_path("pg_verifybackup"), "--no-parse-wal", str(base / "pgdata")],
        capture_output=True,
        text=True,
        check=False,
    )
    if check.returncode != 0:
        raise StartupProblem(
            f"копия {base.name} повреждена, восстановление не начато: {check.stderr.strip()}"
        )
    with hold_data_dir(data_dir):
        target = data_dir.resolve()
        pg = target / "pg"
        aside = backups.superseded / _stamp()
        aside.mkdir(parents=True)
        if pg.exists():
            shutil.move(pg, aside / "pg")
        shutil.copytree(base / "pgdata", pg, symlinks=True)
        (pg / "backup_manifest").unlink(missing_ok=True)
        pg.chmod(0o700)
        until = _replay(pg, backups)
        for entry in (base / "files").iterdir():
            here = target / entry.name
            if here.exists():
                shutil.move(here, aside / entry.name)
            if entry.is_dir():
                shutil.copytree(entry, here, symlinks=True)
            else:
                shutil.copy2(entry, here)
        # the restored server is on a new timeline: this chain cannot restore it again
        for old in (backups.base, backups.wal):
            if old.exists():
                shutil.move(old, aside / old.name)
        return until


def _replay(pg: Path, backups: BackupDir) -> str:
    """Archive recovery to the end of the streamed WAL, then promotion, on a private socket.
    The WAL is copied into the data directory first, so that the server's own user (not
    the one who ran the stream) can read it."""
    streamed = pg / "restore_wal"
    if backups.wal.is_dir():
        shutil.copytree(backups.wal, streamed)
    else:
        streamed.mkdir()
    wal = shlex.quote(str(streamed))
    command = f'cp {wal}/"%f" "%p" 2>/dev/null || cp {wal}/"%f.partial" "%p" 2>/dev/null'
    with open(pg / "postgresql.auto.conf", "a") as conf:
        conf.write(f"restore_command = '{command.replace(chr(39), chr(39) * 2)}'\n")
        conf.write("recovery_target_timeline = 'latest'\n")
    (pg / "recovery.signal").touch()
    user = _server_user()
    if user is not None:
        from pgserver.utils import ensure_prefix_permissions

        ensure_prefix_permissions(pg)  # as pgserver does: its user must reach the directory
        _chown_tree(pg, user)
    with tempfile.TemporaryDirectory(prefix="school-restore-", dir="/tmp") as socket_dir:
        Path(socket_dir).chmod(0o777)
        _run(
            bin_path("pg_ctl"),
            *("-D", str(pg), "-w", "-t", "3600", "-l", str(pg / "restore.log")),
            *("-o", f'-h "" -k {socket_dir}', "start"),
            what="PostgreSQL did not start on the restored copy",
            user=user,
        )
        try:
            until = _wait_promoted(socket_dir)
        finally:
            _run(
                bin_path("pg_ctl"),
                *("-D", str(pg), "-w", "-m", "fast", "stop"),
                what="pg_ctl stop",
                user=user,
            )
    shutil.rmtree(streamed)
    # restore_command and the timeline stay in postgresql.auto.conf harmlessly: recovery
    # reads them only with recovery.signal, which promotion removed
    return until


def _chown_tree(root: Path, user: str) -> None:
    import pwd

    entry = pwd.getpwnam(user)
    for path in [root, *root.rglob("*")]:
        os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)


def _wait_promoted(socket_dir: str) -> str:
    psql = [bin_path("psql"), "-h", socket_dir, "-U", "postgres", "-d", "postgres", "-Atc"]
    last = ""
    for _ in range(36000):
        done = subprocess.run(  # noqa: S603
            [
                *psql,
                "SELECT pg_is_in_recovery(), coalesce(pg_last_xact_replay_timestamp()::text, '')",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        recovering, _, replayed = done.stdout.strip().partition("|")
        last = replayed or last
        if done.returncode == 0 and recovering == "f":
            return last or "—"
        time.sleep(0.1)
    raise StartupProblem("PostgreSQL did not finish replaying the WAL within an hour")


def main(command: str, argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog=f"school {command}")
    parser.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("SCHOOL_DATA_DIR", "var/embedded"))
    )
    parser.add_argument("--backup-dir", type=Path, default=backup_dir_from_env())
    args = parser.parse_args(argv)
    if args.backup_dir is None:
        sys.exit(f"school {command}: укажите каталог копий: --backup-dir или SCHOOL_BACKUP_DIR")
    backups = BackupDir(args.backup_dir)
    try:
        if command == "backup":
            made = asyncio.run(backup(args.data_dir, backups))
            print(f"Базовая копия готова: {made}")
        else:
            until = restore(args.data_dir, backups)
            print(f"Восстановлено до последней записи ({until}). Заменённое: {backups.superseded}")
            print("При следующем запуске с SCHOOL_BACKUP_DIR будет снята новая базовая копия.")
    except StartupProblem as problem:
        sys.exit(f"school {command}: {problem}")
