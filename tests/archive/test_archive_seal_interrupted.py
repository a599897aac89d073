"""The seal as the operator runs it, `python -m archive seal`, in a process of its own
against journal over real HTTP with client credentials: killed (SIGKILL) after its
first class journal is stored, it resumes on the next run with no duplicate and no gap,
and a run after that changes nothing."""

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from archive_samples import JOURNAL_URL, journal_outbox, sealed_files, tree
from fastapi import FastAPI, Form, HTTPException
from journal_world import build_world
from yearend_samples import closed_year, service_token

from archive.integrity import check_year_folder
from archive.keys import school_keys
from archive.sealing import year_folder
from journal.main import create_app as create_journal_app
from journal.settings import Settings as JournalSettings
from shared.bus.inprocess import InProcessBroker, InProcessBus
from shared.db import Database
from shared.testing import TokenFactory
from tests.conftest import MigratedDatabase

WAIT = 120.0  # a bound on waiting for a condition, never a pause
CLIENT_ID, CLIENT_SECRET = "archive-seal-test", "s3cret-of-the-test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def gateway(journal: FastAPI, tokens: TokenFactory) -> FastAPI:
    """Journal's app, and a stand-in for auth's client-credentials endpoint."""
    app = FastAPI()

    @app.post("/api/auth/service-token")
    async def token(
        grant_type: str = Form(), client_id: str = Form(), client_secret: str = Form()
    ) -> dict[str, Any]:
        if (grant_type, client_id, client_secret) != (
            "client_credentials",
            CLIENT_ID,
            CLIENT_SECRET,
        ):
            raise HTTPException(401)
        return {"access_token": service_token(tokens), "expires_in": 300, "token_type": "Bearer"}

    app.mount("/", journal)
    return app


@contextlib.asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[str]:
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(WAIT):
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        await task


def seal_env(base: str, archive_db: Database, tmp: Path, pause: float) -> dict[str, str]:
    """The command's settings: archive's database, storage and keys, journal and auth."""
    return {
        **os.environ,
        "ARCHIVE_DATABASE_URL": archive_db.url,
        "ARCHIVE_STORAGE_DIR": str(tmp / "storage"),
        "ARCHIVE_KEYS_DIR": str(tmp / "keys"),
        "ARCHIVE_JOURNAL_URL": f"{base}/api/journal",
        "ARCHIVE_AUTH_TOKEN_URL": f"{base}/api/auth/service-token",
        "ARCHIVE_CLIENT_ID": CLIENT_ID,
        "ARCHIVE_CLIENT_SECRET": CLIENT_SECRET,
        "ARCHIVE_SEAL_PAUSE": str(pause),
    }


def run(env: dict[str, str], school: uuid.UUID, year: uuid.UUID) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "archive", "seal", "--school", str(school), "--year", str(year)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


async def finished(process: subprocess.Popen[bytes]) -> tuple[int, str]:
    async with asyncio.timeout(WAIT):
        while process.poll() is None:
            await asyncio.sleep(0.05)
    assert process.stdout is not None
    return process.returncode, process.stdout.read().decode()


@pytest.fixture
async def committed_journal(
    migrated_database: MigratedDatabase, tokens: TokenFactory
) -> AsyncIterator[FastAPI]:
    """Journal's app on the run's journal database, whose requests commit (a school of
    its own is left behind; no other test counts it)."""
    db = await migrated_database("journal")
    app = create_journal_app(
        JournalSettings(database_url=db.url),
        bus=InProcessBus(InProcessBroker()),
        keys=tokens.keys(),
    )
    app.state.db = db
    yield app


async def test_a_seal_killed_after_its_first_class_journal_resumes_without_duplicates_or_gaps(
    committed_journal: FastAPI,
    service_db: Database,
    tokens: TokenFactory,
    tmp_path: Path,
) -> None:
    transport = httpx.ASGITransport(app=committed_journal)
    async with httpx.AsyncClient(transport=transport, base_url=JOURNAL_URL) as client:
        world = await build_world(client, tokens, committed_journal.state.db)
        year_text, data = await closed_year(world)
    school, year = world.school_id, uuid.UUID(year_text)
    first, second = (uuid.UUID(e["class_id"]) for e in data["manifest"]["class_journals"])

    async with served(gateway(committed_journal, tokens)) as base:
        slow = seal_env(base, service_db, tmp_path, pause=600)
        process = run(slow, school, year)
        async with asyncio.timeout(WAIT):
            while len(await sealed_files(service_db, year)) < 2:
                assert process.poll() is None, process.stdout.read() if process.stdout else ""
                await asyncio.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        await finished(process)

        stored = await sealed_files(service_db, year)
        assert [(f["kind"], f["path"]) for f in stored] == [
            ("package", f"classes/{first}/journal.jsonl.zip"),
            ("pdf", f"classes/{first}/journal.pdf"),
        ]
        folder = tmp_path / "storage" / year_folder(school, year)
        assert not (folder / "manifest.json").exists()
        first_pdf = (folder / f"classes/{first}/journal.pdf").read_bytes()

        status, output = await finished(
            run(seal_env(base, service_db, tmp_path, pause=0), school, year)
        )
        assert status == 0, output
        assert "запечатан" in output

        resumed = await sealed_files(service_db, year)
        paths = [f["path"] for f in resumed]
        assert len(paths) == len(set(paths)) == 9
        assert {
            f"classes/{c}/{name}"
            for c in (first, second)
            for name in ("journal.jsonl.zip", "journal.pdf")
        } <= set(paths)
        # The first class journal was not made again: the resumed job skipped it.
        assert (folder / f"classes/{first}/journal.pdf").read_bytes() == first_pdf
        before = tree(folder)
        report = await check_year_folder(
            folder, school_keys(tmp_path / "keys", school).public_key_pem()
        )
        assert report.intact, report.findings
        assert report.files_checked == 6 and report.signatures_checked == 2

        status, output = await finished(
            run(seal_env(base, service_db, tmp_path, pause=0), school, year)
        )
        assert status == 0, output
        assert "уже был запечатан" in output
        assert tree(folder) == before
    published = [
        e
        for e in await journal_outbox(service_db, "archive.year.sealed.v1")
        if e["data"]["year_id"] == str(year)
    ]
    assert len(published) == 1
