"""The benchmarks in their smoke mode: every scenario runs end to end at tiny scale in the
distributed mode (processes, nginx, RabbitMQ, PostgreSQL). Nothing about speed is judged;
this keeps `./school bench` working.

Alone: each starts the whole distributed cluster and drives it as hard as it will go, so it
needs the machine's cores and PostgreSQL's connections to itself (beside the parallel pass
its services ran out of connections and answered 503)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cluster import nginx_binary

pytestmark = [pytest.mark.e2e, pytest.mark.rabbitmq, pytest.mark.alone]


@pytest.fixture
def nginx() -> None:
    """The distributed mode's gateway; required (not skipped) when REQUIRE_E2E=1."""
    if nginx_binary() is None:
        if os.environ.get("REQUIRE_E2E") == "1":
            pytest.fail("end-to-end tests required but nginx is not installed")
        pytest.skip("nginx is not installed (the gateway of the distributed mode)")


def test_every_scenario_reports_ours_and_its_ceilings(nginx: None, tmp_path: Path) -> None:
    out = tmp_path / "figures.json"

    run = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    figures = json.loads(out.read_text())
    scenarios = {f["scenario"].split(" (")[0].split(" at ")[0] for f in figures}
    assert len(figures) == 22, scenarios
    diary = [f["measure"] for f in figures if f["scenario"].startswith("diary")]
    assert [m.split("ceiling: ")[1] for m in diary] == ["bare HTTP", "raw asyncpg"]
    page = [f["measure"] for f in figures if f["scenario"].startswith("journal page read")]
    assert page == [
        "p50, ceiling: raw asyncpg",
        "p99, ceiling: raw asyncpg",
        "achieved rate, ceiling: raw asyncpg",
    ]
    saves = [f for f in figures if f["scenario"].startswith("saving a lesson")]
    assert [f["measure"].split("ceiling: ")[1] for f in saves] == ["raw asyncpg"]
    signin = [f["measure"] for f in figures if f["scenario"].startswith("sign-in")]
    assert signin == ["highest rate with p99 < 1000 ms, ceiling: bare argon2id"]
    bulk = [f for f in figures if f["scenario"].startswith("marks per second through bulk")]
    assert [f["unit"] for f in bulk] == ["marks/s"]
    mail = [f for f in figures if f["scenario"].startswith("one message to all")]
    assert [f["unit"] for f in mail] == ["deliveries/s"]
    assert all(f["ours"] > 0 and f["ceiling"] > 0 for f in figures), figures
    assert all(f["met"] is None for f in figures)  # the smoke run judges nothing
    assert "| scenario | measure | ours | ceiling | ratio | target | met |" in run.stdout


def test_the_live_feed_scenario_reports_its_lag_and_ceiling(nginx: None, tmp_path: Path) -> None:
    """The live-feed scenario alone (parents' streams open through nginx while marks are
    posted): two figures, every posted mark seen by its parent's open client."""
    out = tmp_path / "figures.json"

    run = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--only", "live_feed", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    figures = json.loads(out.read_text())
    assert [f["measure"] for f in figures] == ["p50", "p99"]
    assert all(
        f["scenario"].startswith("lag, mark posted → parent's open live feed") for f in figures
    )
    assert all(f["ours"] > 0 and f["ceiling"] > 0 for f in figures), figures
    assert all(f["met"] is None for f in figures)
    assert " 0 not received" in figures[0]["details"], figures[0]["details"]
