"""The restore drill of the embedded mode (embedded.backup): a school running with a backup
directory, writes acknowledged after its base backup, the database destroyed outright, then
`school restore` and a new start: every table of every service's database is as it was when
the last write was acknowledged, and the school works and its events flow again.

The figures it prints (the stream's lag behind the last commit, the restore's and the
start's durations) are the RPO and RTO documented in docs/operations.md."""

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import httpx
import pytest

from embedded.postgres import embedded_postgres
from tests.e2e.school import Caller, eventually
from tests.embedded_mode.school_days import keep_the_last_lessons_open, last_school_week
from tests.embedded_mode.test_embedded_mode import Embedded, clean_env

Snapshot = dict[str, tuple[int, str]]


def socket_dir(data_dir: Path) -> str:
    return (data_dir / "pg" / "postmaster.pid").read_text().splitlines()[4]


async def snapshot(host: str) -> Snapshot:
    """Every table of every database of the cluster: its row count and a checksum of its
    rows (order-independent)."""
    found: Snapshot = {}
    admin = await asyncpg.connect(host=host, user="postgres", database="postgres")
    try:
        names = [
            r["datname"]
            for r in await admin.fetch(
                "SELECT datname FROM pg_database WHERE datname LIKE 'school_%' ORDER BY 1"
            )
        ]
    finally:
        await admin.close()
    for name in names:
        conn = await asyncpg.connect(host=host, user="postgres", database=name)
        try:
            tables = await conn.fetch(
                "SELECT schemaname, tablename FROM pg_tables"
                " WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
            )
            for t in tables:
                quoted = f'"{t["schemaname"]}"."{t["tablename"]}"'
                row = await conn.fetchrow(
                    f"SELECT count(*) AS n, coalesce(md5(string_agg(md5(t::text), ','"
                    f" ORDER BY md5(t::text))), '') AS sum FROM {quoted} t"
                )
                assert row is not None
                found[f"{name}.{t['schemaname']}.{t['tablename']}"] = (row["n"], row["sum"])
        finally:
            await conn.close()
    return found


async def settled(host: str) -> Snapshot:
    """The snapshot once the pipeline is still (the relays and consumers done with what
    the writes caused): two in a row alike, half a second apart."""
    last = await snapshot(host)
    for _ in range(120):
        await asyncio.sleep(0.5)
        now = await snapshot(host)
        if now == last:
            return now
        last = now
    raise AssertionError("the databases did not settle within a minute")


async def restored_snapshot(data_dir: Path) -> Snapshot:
    """The restored cluster as restore left it, before anything starts on it."""
    async with embedded_postgres(data_dir) as postgres:
        return await snapshot(postgres.host)


async def wait_streamed(host: str) -> float:
    """Seconds until the WAL stream has flushed everything committed so far (the RPO:
    what a destroyed disk would lose at that moment)."""
    conn = await asyncpg.connect(host=host, user="postgres", database="postgres")
    try:
        started = time.monotonic()
        target = await conn.fetchval("SELECT pg_current_wal_flush_lsn()")
        while True:
            flushed = await conn.fetchval(
                "SELECT flush_lsn FROM pg_stat_replication WHERE application_name = 'pg_receivewal'"
            )
            if flushed is not None and flushed >= target:
                return time.monotonic() - started
            assert time.monotonic() - started < 30, "the WAL stream did not catch up"
            await asyncio.sleep(0.01)
    finally:
        await conn.close()


def destroy(system: Embedded, data_dir: Path) -> None:
    """As a dead disk would: the launcher and its stream killed outright, PostgreSQL too,
    the database's files gone."""
    postmaster = int((data_dir / "pg" / "postmaster.pid").read_text().splitlines()[0])
    with contextlib.suppress(ProcessLookupError):
        os.killpg(system.process.pid, signal.SIGKILL)
    system.process.wait(timeout=30)
    os.kill(postmaster, signal.SIGKILL)
    eventually(lambda: not Path(f"/proc/{postmaster}").exists() or None)
    shutil.rmtree(data_dir / "pg")


def school_command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "embedded", *args],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=600,
        check=False,
    )


def post_marks(system: Embedded, count: int) -> tuple[Caller, list[str]]:
    """`count` marks for the demo pupil, each acknowledged (201); the parent is told of each."""
    with httpx.Client(base_url=system.base_url, timeout=30) as http:
        parent = system.login(http, "parent")
        teacher = system.login(http, "teacher")
        child = parent.claims["children"][0]
        keep_the_last_lessons_open(http, system.login(http, "deputy").headers)
        week = last_school_week(http, parent.headers, child)
        maths = [
            ls for d in week["days"] for ls in d["lessons"] if ls["subject_name"] == "Математика"
        ]
        assert maths, "the demo school has maths lessons in its last school week"
        ids = [
            teacher.post(
                f"/api/journal/lessons/{maths[-1]['lesson_id']}/marks",
                {"student_id": child, "value": 3 + i % 3, "work_type": "answer"},
            )["mark_id"]
            for i in range(count)
        ]

        def told() -> bool | None:
            items = parent.get("/api/messaging/notifications", params={"limit": 100})["items"]
            seen = {n["payload"].get("mark_id") for n in items}
            return set(ids) <= seen or None

        eventually(told, timeout=60)
    return parent, ids


def test_a_destroyed_database_is_restored_to_the_last_acknowledged_write(
    scratch: Path,
) -> None:
    data_dir, backups = scratch / "data", scratch / "backups"
    env = {**clean_env(), "SCHOOL_BACKUP_DIR": str(backups)}
    system = Embedded(data_dir, env, "--no-web")
    try:
        system.wait_started()
        assert list((backups / "base").iterdir()), "the first start takes a base backup"
        post_marks(system, 20)  # written after the base backup: only the stream has them
        host = socket_dir(data_dir)
        before = asyncio.run(settled(host))
        lag = asyncio.run(wait_streamed(host))
        destroy(system, data_dir)
    except BaseException:
        system.process.kill()
        raise

    started = time.monotonic()
    restored = school_command("restore", "--data-dir", str(data_dir), "--backup-dir", str(backups))
    restore_seconds = time.monotonic() - started
    assert restored.returncode == 0, restored.stderr
    assert "Восстановлено" in restored.stdout

    after = asyncio.run(restored_snapshot(data_dir))
    assert after == before, "every table as it was at the last acknowledged write"

    started = time.monotonic()
    again = Embedded(data_dir, env, "--no-web")
    try:
        again.wait_started()
        start_seconds = time.monotonic() - started
        post_marks(again, 1)  # the school works, and its events flow again
        assert [p for p in (backups / "base").iterdir()], "a fresh base backup after the restore"
        refused = school_command(
            "restore", "--data-dir", str(data_dir), "--backup-dir", str(backups)
        )
        assert refused.returncode != 0, "no restore under a running school"
        assert "занят" in refused.stderr
    finally:
        again.stop()
    print(
        f"\nrestore drill: {len(before)} tables; stream lag behind the last commit"
        f" {lag * 1000:.1f} ms (RPO); restore {restore_seconds:.1f} s + start"
        f" {start_seconds:.1f} s (RTO)"
    )


def test_a_damaged_backup_is_refused_before_anything_is_touched(scratch: Path) -> None:
    data_dir, backups = scratch / "data", scratch / "backups"
    system = Embedded(
        data_dir, {**clean_env(), "SCHOOL_BACKUP_DIR": str(backups)}, "--no-web", "--no-seed"
    )
    try:
        system.wait_started()
    finally:
        system.stop()
    (base,) = (backups / "base").iterdir()
    victim = next(
        p for p in (base / "pgdata" / "base").rglob("*") if p.is_file() and p.stat().st_size > 8192
    )
    with open(victim, "r+b") as damaged:
        damaged.seek(4096)
        damaged.write(b"\xff" * 16)
    listing = sorted(str(p.relative_to(data_dir)) for p in (data_dir / "pg").rglob("*"))

    refused = school_command("restore", "--data-dir", str(data_dir), "--backup-dir", str(backups))

    assert refused.returncode != 0
    assert "повреждена, восстановление не начато" in refused.stderr
    assert sorted(str(p.relative_to(data_dir)) for p in (data_dir / "pg").rglob("*")) == listing
    assert not (backups / "superseded").exists()


@pytest.mark.parametrize("command", ["backup", "restore"])
def test_backup_and_restore_need_a_backup_directory(command: str, scratch: Path) -> None:
    done = school_command(command, "--data-dir", str(scratch / "data"))
    assert done.returncode != 0
    assert "--backup-dir или SCHOOL_BACKUP_DIR" in done.stderr
