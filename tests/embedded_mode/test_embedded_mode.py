"""The first README command: all five services in one process, an embedded PostgreSQL,
the durable PostgreSQL bus and a seeded demo school; or, given URLs, the machine's
PostgreSQL and RabbitMQ. Started as a real subprocess, the way a person starts it."""

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aio_pika
import asyncpg
import httpx
import pytest

from cluster import SERVICES, free_port
from shared.testing import create_database, drop_database, unique_name, with_database
from shared.testing_rabbit import RabbitVhosts
from tests.e2e.school import Caller, eventually
from tests.embedded_mode.school_days import keep_the_last_lessons_open, last_school_week

BANNER = "Электронный журнал работает"
DEMO_PASSWORD = "demo-2026"


class Embedded:
    def __init__(self, data_dir: Path, env: dict[str, str], *options: str) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.output: list[str] = []
        self.started = threading.Event()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "embedded",
                "--port",
                str(self.port),
                "--data-dir",
                str(data_dir),
                *options,
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            # a process group of its own, as a terminal gives a command: Ctrl+C reaches
            # the launcher and the PostgreSQL it started alike
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            if BANNER in line:
                self.started.set()

    def wait_started(self, timeout: float = 420) -> None:
        deadline = time.monotonic() + timeout
        while not self.started.wait(0.5):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("embedded mode did not start:\n" + "".join(self.output[-40:]))
        # the banner is printed last: the demo logins follow it
        time.sleep(0.5)

    def stop(self) -> int:
        """SIGTERM, as a service manager would; returns the exit code."""
        self.process.terminate()
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise

    def ctrl_c(self) -> int:
        """SIGINT to the whole process group, as Ctrl+C in a terminal; returns the exit code."""
        with contextlib.suppress(ProcessLookupError):  # the group may be gone already
            os.killpg(self.process.pid, signal.SIGINT)
            os.kill(self.process.pid, signal.SIGCONT)  # in case it was paused
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            raise

    def login(self, http: httpx.Client, login: str) -> Caller:
        response = http.post("/api/auth/login", json={"login": login, "password": DEMO_PASSWORD})
        response.raise_for_status()
        return Caller(http, response.json()["access_token"])


def clean_env() -> dict[str, str]:
    return {
        k: v
        for k, v in os.environ.items()
        if not any(k.startswith(s.upper() + "_") for s in SERVICES)
    }


def run_the_slice(system: Embedded) -> None:
    """The demo logins work and a posted mark reaches diary, notifications and report."""
    with httpx.Client(base_url=system.base_url, timeout=30) as http:
        for service in SERVICES:
            assert http.get(f"/api/{service}/ready").status_code == 200
        assert "Электронный" in http.get("/").text
        parent = system.login(http, "parent")
        child = parent.claims["children"][0]
        diary = parent.get(f"/api/journal/diary/{child}", params={"from": "2000-01-03"})
        assert diary["student_id"] == child
        teacher = system.login(http, "teacher")
        # the last school week, which is this one only on a school day
        keep_the_last_lessons_open(http, system.login(http, "deputy").headers)
        week = last_school_week(http, parent.headers, child)
        maths = [
            ls for d in week["days"] for ls in d["lessons"] if ls["subject_name"] == "Математика"
        ]
        assert maths, "the demo school has maths lessons in its last school week"
        mark = teacher.post(
            f"/api/journal/lessons/{maths[-1]['lesson_id']}/marks",
            {"student_id": child, "value": 4, "work_type": "test"},
        )
        notified = eventually(
            lambda: [
                n
                for n in parent.get("/api/messaging/notifications", params={"limit": 100})["items"]
                if n["payload"].get("mark_id") == mark["mark_id"]  # absences have none
            ]
        )
        assert "Проверочная работа" in notified[0]["text"]
        deputy = system.login(http, "deputy")
        payload = notified[0]["payload"]
        report = deputy.get(
            "/api/reporting/class-subject-average",
            params={"class_id": payload["class_id"], "subject_id": payload["subject_id"]},
        )
        assert report["marks_count"] >= 1


def test_one_command_starts_the_system_with_a_demo_school(data_dir: Path) -> None:
    system = Embedded(data_dir, clean_env())
    try:
        system.wait_started()
        output = "".join(system.output)
        for login in ("admin", "director", "deputy", "teacher", "student", "parent"):
            assert f" {login} / {DEMO_PASSWORD}" in output
        run_the_slice(system)
    finally:
        exit_code = system.stop()
    assert exit_code == 0, "a clean shutdown on SIGTERM"
    assert (data_dir / "pg").is_dir(), "the embedded PostgreSQL keeps its data in --data-dir"
    assert not (data_dir / "pg" / "postmaster.pid").exists(), "and is stopped with the system"


def test_a_restart_keeps_the_data_and_does_not_seed_twice(data_dir: Path) -> None:
    first = Embedded(data_dir, clean_env())
    try:
        first.wait_started()
        with httpx.Client(base_url=first.base_url, timeout=30) as http:
            parent = first.login(http, "parent")
            child = parent.claims["children"][0]
            before = parent.get(f"/api/journal/diary/{child}")
    finally:
        first.stop()
    credential = json.loads((data_dir / "archive" / "service-client.json").read_text())
    second = Embedded(data_dir, clean_env())
    try:
        second.wait_started()
        with httpx.Client(base_url=second.base_url, timeout=30) as http:
            parent = second.login(http, "parent")
            assert parent.claims["children"] == [child]
            assert parent.get(f"/api/journal/diary/{child}") == before
            # the archive's service credential, registered on the first start, still works:
            # it reads a closed year through journal's export to seal it
            token = http.post(
                "/api/auth/service-token",
                data={"grant_type": "client_credentials", "scope": "journal.export", **credential},
            )
            assert token.status_code == 200, token.text
            assert token.json()["scope"] == "journal.export"
    finally:
        second.stop()
    assert json.loads((data_dir / "archive" / "service-client.json").read_text()) == credential
    assert oct((data_dir / "archive" / "service-client.json").stat().st_mode & 0o777) == "0o600"


@pytest.mark.rabbitmq
async def test_given_urls_it_uses_the_machines_postgres_and_rabbitmq(
    pg_admin_url: str, rabbit_vhosts: RabbitVhosts, data_dir: Path
) -> None:
    rabbit_url = await rabbit_vhosts("embedded")
    names = {s: unique_name(f"emb_{s}") for s in SERVICES}
    for name in names.values():
        await create_database(pg_admin_url, name)
    env = clean_env()
    for service, name in names.items():
        env[f"{service.upper()}_DATABASE_URL"] = with_database(pg_admin_url, name)
        env[f"{service.upper()}_AMQP_URL"] = rabbit_url
        # the machine's PostgreSQL is shared with the parallel pass's workers
        env[f"{service.upper()}_POOL_SIZE"] = "3"
    system = Embedded(data_dir, env)
    try:
        system.wait_started()
        run_the_slice(system)
        assert not (data_dir / "pg").exists(), "no embedded PostgreSQL when URLs are given"
        journal = await asyncpg.connect(with_database(pg_admin_url, names["journal"], driver=""))
        try:
            assert await journal.fetchval("SELECT count(*) FROM marks") > 0
            unpublished = await journal.fetchval(
                "SELECT count(*) FROM outbox WHERE published_at IS NULL"
            )
            assert unpublished == 0, "journal's events went out"
        finally:
            await journal.close()
        connection = await aio_pika.connect(rabbit_url)
        async with connection:
            channel = await connection.channel()
            for consumer in ("auth", "journal", "messaging", "reporting", "archive"):
                queue = await channel.declare_queue(consumer, passive=True)
                assert queue.declaration_result.consumer_count >= 1, consumer
    finally:
        system.stop()
        for name in names.values():
            await drop_database(pg_admin_url, name)


def readme_walkthrough() -> str:
    """The curl walkthrough's shell block from the README."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## Walkthrough with curl", 1)[1]
    return section.split("```sh\n", 1)[1].split("\n```", 1)[0]


def test_the_readmes_curl_walkthrough_works_as_written(data_dir: Path) -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    system = Embedded(data_dir, clean_env())
    try:
        system.wait_started()
        script = readme_walkthrough().replace("B=http://127.0.0.1:8000", f"B={system.base_url}")
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        system.stop()
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert '"value":5' in out, "the mark was posted"
    assert "Новая отметка 5" in out, "the parent was notified"
    assert '"weighted_average":' in out, "the report answered"
    assert "urn:school:problem:validation-error" in out, "a 6 was refused"
    assert "urn:school:problem:not-found" in out, "another child's diary is not found"


# --- a newcomer's first starts: interrupted, from a long path, on a taken port ---------------


def postgres_socket_dir(data_dir: Path) -> str | None:
    """Where the embedded PostgreSQL listens, as it says in postmaster.pid, once it is up."""
    try:
        lines = (data_dir / "pg" / "postmaster.pid").read_text().splitlines()
    except FileNotFoundError:
        return None
    return lines[4] if len(lines) >= 8 and lines[7].strip() == "ready" else None


async def until(
    probe: Callable[[], Awaitable[object]], system: Embedded, timeout: float = 180
) -> None:
    """Poll `probe` while the system runs."""
    deadline = time.monotonic() + timeout
    while not await probe():
        if system.process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError("not reached:\n" + "".join(system.output[-40:]))
        await asyncio.sleep(0.02)


async def fetchval(host: str, database: str, query: str) -> object:
    conn = await asyncpg.connect(user="postgres", host=host, database=database)
    try:
        return await conn.fetchval(query)
    finally:
        await conn.close()


async def test_a_first_start_interrupted_during_the_seed_is_started_over_by_the_next(
    data_dir: Path,
) -> None:
    first = Embedded(data_dir, clean_env())
    try:

        async def journal_seeded() -> bool:
            host = postgres_socket_dir(data_dir)
            if host is None:
                return False
            query = "SELECT to_regclass('schools') IS NOT NULL AND EXISTS (SELECT FROM schools)"
            try:
                return bool(await fetchval(host, "school_journal", query))
            except (asyncpg.InvalidCatalogNameError, asyncpg.UndefinedTableError):
                return False  # not created or not migrated yet

        await until(journal_seeded, first)
        host = postgres_socket_dir(data_dir)
        assert host is not None
        first.process.send_signal(signal.SIGSTOP)  # hold it where the bug was: journal, no auth
        admin = "SELECT EXISTS (SELECT FROM accounts WHERE login = 'admin')"
        assert not await fetchval(host, "school_auth", admin), "auth's part is still to come"
    finally:
        first.ctrl_c()
    assert BANNER not in "".join(first.output)

    second = Embedded(data_dir, clean_env())
    try:
        second.wait_started()
        assert "создаются заново" in "".join(second.output)
        host = postgres_socket_dir(data_dir)
        assert host is not None
        assert await fetchval(host, "school_journal", "SELECT count(*) FROM schools") == 1
        with httpx.Client(base_url=second.base_url, timeout=30) as http:
            for login in ("admin", "director", "deputy", "class-teacher", "student"):
                second.login(http, login)
        run_the_slice(second)

        async def every_mark_in_every_service() -> bool:
            marks = await fetchval(host, "school_journal", "SELECT count(*) FROM marks")
            reported = await fetchval(host, "school_reporting", "SELECT count(*) FROM marks")
            archived = await fetchval(
                host,
                "school_archive",
                "SELECT count(*) FROM received_events WHERE event_type = 'journal.mark.posted.v1'",
            )
            return marks == reported == archived

        await until(every_mark_in_every_service, second, timeout=30)
    finally:
        second.stop()


def test_a_long_data_directory_path_starts(scratch: Path) -> None:
    # Past what a Unix socket address holds (108 bytes on Linux): pgserver puts the socket
    # elsewhere and the launcher must follow it.
    data_dir = scratch / ("a-checkout-path-deep-in-someones-home-" * 3) / "var" / "embedded"
    assert len(str(data_dir / "pg" / ".s.PGSQL.5432")) > 108
    system = Embedded(data_dir, clean_env(), "--no-seed")
    try:
        system.wait_started()
        socket_dir = postgres_socket_dir(data_dir)
        assert socket_dir is not None
        assert not socket_dir.startswith(str(data_dir)), "the socket lives elsewhere"
        with httpx.Client(base_url=system.base_url, timeout=30) as http:
            for service in SERVICES:
                assert http.get(f"/api/{service}/ready").status_code == 200
    finally:
        exit_code = system.stop()
    assert exit_code == 0
    assert not (data_dir / "pg" / "postmaster.pid").exists(), "PostgreSQL stopped with it"


def test_a_taken_port_is_said_in_plain_words_with_what_to_do(data_dir: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "embedded", "--port", str(port), "--data-dir", str(data_dir)],
            env=clean_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode != 0
    message = result.stderr.strip()
    assert message.startswith(f"school: Порт {port} уже занят"), message
    assert "./school up --port " in message
    assert "{" not in message and "Traceback" not in message
    assert not data_dir.exists(), "it gave up before starting PostgreSQL or seeding"


def test_after_the_launcher_was_killed_outright_a_stop_still_stops_postgres(
    data_dir: Path,
) -> None:
    postmaster = data_dir / "pg" / "postmaster.pid"
    try:
        first = Embedded(data_dir, clean_env(), "--no-seed")
        first.wait_started()
        first.process.kill()  # SIGKILL to the launcher alone: its PostgreSQL lives on
        first.process.wait(timeout=30)
        assert postmaster.exists()
        second = Embedded(data_dir, clean_env(), "--no-seed")
        second.wait_started()
        assert second.stop() == 0
        assert not postmaster.exists(), "the last launcher holding it stopped PostgreSQL"
    finally:
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            os.kill(int(postmaster.read_text().split()[0]), signal.SIGINT)  # a fast shutdown
