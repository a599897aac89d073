"""The CPU accounting the benchmarks print: whose cores a stretch of work used."""

import os
import subprocess
import sys
import time

from bench.cpu import measure


def _spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_the_work_of_a_service_and_of_the_load_generator_is_told_apart() -> None:
    busy = subprocess.Popen(
        [sys.executable, "-c", "import time\nt=time.time()\nwhile time.time()-t<3: pass"]
    )
    try:
        with measure({"journal": busy.pid}) as share:
            _spin(0.5)
    finally:
        busy.kill()
        busy.wait()

    # Each spun for the whole stretch; on a loaded machine each still gets a good share.
    assert share.cores["load generator"] > 0.1
    assert share.cores["journal"] > 0.1
    assert "journal" in share.top() and "load generator" in share.top()
    assert os.getpid() != busy.pid


def test_the_cpu_seconds_of_several_groups_add_up() -> None:
    with measure({}) as share:
        _spin(0.3)

    assert share.elapsed >= 0.3
    used = share.seconds(["load generator", "load generator", "nobody"])
    assert 0.0 < used <= share.elapsed * 1.5
    assert used == share.cores["load generator"] * share.elapsed
