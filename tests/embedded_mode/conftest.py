"""The embedded mode's data directories for a test."""

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A directory of its own under the system's temporary directory, not pytest's: run as
    root, pgserver runs PostgreSQL as the user `pgserver` and opens the path up to it, while
    every pytest session starting on the machine closes /tmp/pytest-of-<user> again
    (mode 0700), and PostgreSQL then panics on its own files."""
    path = Path(tempfile.mkdtemp(prefix="school-embedded-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def data_dir(scratch: Path) -> Path:
    return scratch / "embedded"
