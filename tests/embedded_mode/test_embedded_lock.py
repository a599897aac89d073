"""One launcher per data directory: a second `./school up` on a directory in use says so in
plain words and touches nothing; a launcher that was killed outright leaves it free."""

import os
import signal
import subprocess
import sys
from pathlib import Path

from cluster import free_port
from embedded.lock import hold_data_dir
from tests.embedded_mode.test_embedded_mode import clean_env

HOLD_AND_WAIT = """
import sys, time
from pathlib import Path
from embedded.lock import hold_data_dir
with hold_data_dir(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(600)
"""


def start(data_dir: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "embedded", "--port", str(free_port())]
    return subprocess.run(
        [*command, "--data-dir", str(data_dir)],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_second_launcher_on_a_data_directory_in_use_says_so_and_starts_nothing(
    data_dir: Path,
) -> None:
    with hold_data_dir(data_dir):
        result = start(data_dir)
    assert result.returncode == 1
    message = result.stderr.strip()
    assert message.startswith(f"school: Каталог данных {data_dir} уже занят"), message
    assert "--data-dir" in message and "Traceback" not in message
    assert not (data_dir / "pg").exists(), "no PostgreSQL was started on the files in use"


def test_a_launcher_killed_outright_leaves_the_data_directory_free(data_dir: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_AND_WAIT, str(data_dir)],
        env=clean_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert start(data_dir).returncode == 1, "taken while the holder lives"
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
    with hold_data_dir(data_dir):  # the kernel dropped the dead holder's lock
        pass
