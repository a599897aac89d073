"""An API served by several uvicorn workers (`python -m journal api --workers 2`): a scrape
of /metrics counts the requests every worker answered, whichever worker answers it."""

import re
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from cluster import free_port
from tests.conftest import MigratedDatabase

REQUESTS = 40
ROUTE = "/api/journal/work-types"


@pytest.fixture
async def journal_url(migrated_database: MigratedDatabase) -> str:
    return (await migrated_database("journal")).url


@pytest.fixture
def api(journal_url: str) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "journal", "api", "--workers", "2", "--port", str(port)],
        env={"PATH": "/usr/bin:/bin", "JOURNAL_DATABASE_URL": journal_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base_url}/api/journal/ready").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, "the API exited"
            assert time.monotonic() < deadline, "the API did not get ready"
            time.sleep(0.1)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=30)


def answered(scrape: str) -> int:
    labels = rf'[^}}]*route="{ROUTE}"[^}}]*status="401"[^}}]*'
    pattern = rf"http_request_duration_seconds_count{{{labels}}} ([0-9.e+]+)"
    return int(sum(float(value) for value in re.findall(pattern, scrape)))


def test_every_scrape_counts_the_requests_of_every_worker(api: str) -> None:
    for _ in range(REQUESTS):  # a new connection each: the workers share them out
        assert httpx.get(f"{api}{ROUTE}").status_code == 401
    for _ in range(6):  # several scrapes, answered by either worker
        with httpx.Client() as fresh:
            scrape = fresh.get(f"{api}/api/journal/metrics").text
        assert answered(scrape) == REQUESTS
