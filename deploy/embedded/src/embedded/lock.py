"""One launcher per data directory: a second `./school up` on the same directory would start
a second PostgreSQL on the same files or seed the demo school twice."""

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

from embedded.problems import StartupProblem

LOCK_FILE = "launcher.lock"


@contextlib.contextmanager
def hold_data_dir(data_dir: Path) -> Iterator[None]:
    """Hold the data directory's lock while the launcher runs. The kernel drops a lock held
    by a process that died, so a killed launcher never leaves it taken."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / LOCK_FILE, "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StartupProblem(
                f"Каталог данных {data_dir} уже занят другим запущенным журналом. "
                "Остановите тот (Ctrl+C в его окне) или запустите этот с другим каталогом "
                "и портом: ./school up --data-dir <каталог> --port <порт>"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
