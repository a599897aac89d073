"""The embedded mode killed mid-stream loses nothing: `./school up` is SIGKILLed while
teachers' marks pour in, started again, and every mark it had acknowledged (201) reaches
the parent's notifications and reporting exactly once."""

import asyncio
import contextlib
import os
import signal
import threading
import time
from pathlib import Path

import asyncpg
import httpx
from pgserver.utils import PostmasterInfo

from tests.e2e.school import Caller
from tests.embedded_mode.school_days import keep_the_last_lessons_open, last_school_week
from tests.embedded_mode.test_embedded_mode import Embedded, clean_env

CLIENTS = 8
ACKNOWLEDGED_BEFORE_THE_KILL = 80
GUARD = 180.0  # bounds every wait, never a speed assertion


class MarkStream:
    """Clients posting marks as fast as the system takes them, until it is gone."""

    def __init__(self, base_url: str, teacher: str, lesson_id: str, student_id: str) -> None:
        self.base_url = base_url
        self.teacher = teacher
        self.path = f"/api/journal/lessons/{lesson_id}/marks"
        self.body = {"student_id": student_id, "value": 4, "work_type": "answer"}
        self.acknowledged: list[str] = []
        self.enough = threading.Event()
        self.stopped = threading.Event()
        self._lock = threading.Lock()
        self._clients = [threading.Thread(target=self._post) for _ in range(CLIENTS)]

    def __enter__(self) -> "MarkStream":
        for client in self._clients:
            client.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopped.set()
        for client in self._clients:
            client.join(timeout=60)

    def _post(self) -> None:
        headers = {"Authorization": f"Bearer {self.teacher}"}
        with httpx.Client(base_url=self.base_url, timeout=10, headers=headers) as http:
            while not self.stopped.is_set():
                try:
                    response = http.post(self.path, json=self.body)
                except httpx.TransportError:
                    return  # the system is gone
                if response.status_code != 201:
                    continue
                with self._lock:
                    self.acknowledged.append(response.json()["mark_id"])
                    if len(self.acknowledged) >= ACKNOWLEDGED_BEFORE_THE_KILL:
                        self.enough.set()


def embedded_postgres(data_dir: Path) -> PostmasterInfo:
    info = PostmasterInfo.read_from_pgdata(data_dir / "pg")
    assert info is not None and info.socket_dir is not None, "the embedded PostgreSQL runs"
    return info


async def connect(data_dir: Path, database: str) -> asyncpg.Connection:
    info = embedded_postgres(data_dir)
    return await asyncpg.connect(
        user="postgres", host=str(info.socket_dir), port=info.port, database=database
    )


async def arrivals(data_dir: Path, parent: str, marks: list[str]) -> tuple[dict[str, int], ...]:
    """Per acknowledged mark: the parent's notices, reporting's projection rows and
    reporting's logged events."""
    messaging = await connect(data_dir, "school_messaging")
    reporting = await connect(data_dir, "school_reporting")
    try:
        notices = await messaging.fetch(
            "SELECT payload->>'mark_id' AS mark, count(*) AS n FROM notifications "
            "WHERE recipient_person_id = $1::uuid AND payload->>'mark_id' = ANY($2::text[]) "
            "GROUP BY 1",
            parent,
            marks,
        )
        projected = await reporting.fetch(
            "SELECT mark_id::text AS mark, count(*) AS n FROM marks "
            "WHERE mark_id = ANY($1::uuid[]) GROUP BY 1",
            marks,
        )
        logged = await reporting.fetch(
            "SELECT substr(subject, 6) AS mark, count(*) AS n FROM event_log "
            "WHERE event_type = 'journal.mark.posted.v1' AND subject = ANY($1::text[]) "
            "GROUP BY 1",
            [f"mark/{mark}" for mark in marks],
        )
    finally:
        await messaging.close()
        await reporting.close()
    return tuple({row["mark"]: row["n"] for row in rows} for rows in (notices, projected, logged))


async def wait_for_arrivals(data_dir: Path, parent: str, marks: list[str]) -> None:
    deadline = time.monotonic() + GUARD
    while True:
        found = await arrivals(data_dir, parent, marks)
        if all(len(each) == len(marks) for each in found) or time.monotonic() > deadline:
            return
        await asyncio.sleep(0.5)


def stop_leftover_postgres(data_dir: Path) -> None:
    """The embedded PostgreSQL this test's runs started, if a failure left it running."""
    info = PostmasterInfo.read_from_pgdata(data_dir / "pg")
    if info is None or not info.is_running():
        return
    os.kill(info.pid, signal.SIGINT)  # fast shutdown
    with contextlib.suppress(Exception):
        assert info.process is not None
        info.process.wait(30)


async def test_marks_acknowledged_before_a_sigkill_arrive_exactly_once_after_a_restart(
    data_dir: Path,
) -> None:
    try:
        first = Embedded(data_dir, clean_env())
        try:
            first.wait_started()
            with httpx.Client(base_url=first.base_url, timeout=30) as http:
                teacher = first.login(http, "teacher")
                parent = first.login(http, "parent")
                child = parent.claims["children"][0]
                keep_the_last_lessons_open(http, first.login(http, "deputy").headers)
                lesson = maths_lesson_of_the_last_school_week(parent, child)
            with MarkStream(first.base_url, teacher.token, lesson, child) as stream:
                assert stream.enough.wait(GUARD), "the marks were not taken"
                first.process.kill()  # mid-stream: clients are still posting
                first.process.wait(30)
        finally:
            if first.process.poll() is None:
                first.process.kill()
        acknowledged = list(stream.acknowledged)
        person = parent.claims["person"]

        second = Embedded(data_dir, clean_env())
        try:
            second.wait_started()
            await wait_for_arrivals(data_dir, person, acknowledged)
            notices, projected, logged = await arrivals(data_dir, person, acknowledged)
            bus = await connect(data_dir, "school_bus")
            try:
                dead_letters = await bus.fetchval("SELECT count(*) FROM bus_dead_letters")
            finally:
                await bus.close()
        finally:
            exit_code = second.stop()
            postgres_left_running = (data_dir / "pg" / "postmaster.pid").exists()
    finally:
        stop_leftover_postgres(data_dir)

    once = dict.fromkeys(acknowledged, 1)
    assert len(once) == len(acknowledged) >= ACKNOWLEDGED_BEFORE_THE_KILL
    assert notices == once, "every acknowledged mark notified the parent once"
    assert projected == once, "and is in reporting's projection once"
    assert logged == once, "and in reporting's event log once"
    assert dead_letters == 0
    assert exit_code == 0
    assert not postgres_left_running, "the restarted system stops PostgreSQL on its way out"


def maths_lesson_of_the_last_school_week(parent: Caller, child: str) -> str:
    """A maths lesson of the demo pupil in the week of the last school day (this week only
    on a school day)."""
    week = last_school_week(parent.http, parent.headers, child)
    maths = [ls for d in week["days"] for ls in d["lessons"] if ls["subject_name"] == "Математика"]
    assert maths, "the demo school has maths lessons in its last school week"
    lesson_id: str = maths[-1]["lesson_id"]
    return lesson_id
