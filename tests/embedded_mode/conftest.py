"""The embedded mode's data directory for a test."""

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A data directory outside pytest's temporary root. Under root, pgserver runs
    PostgreSQL as a system user of its own and opens the path to its data for it; every
    pytest session that starts sets that root back to 0700, which locks PostgreSQL out in
    the middle of a test whenever sessions overlap (several runs on one machine)."""
    parent = Path(tempfile.mkdtemp(prefix="school-embedded-"))
    try:
        yield parent / "embedded"
    finally:
        shutil.rmtree(parent, ignore_errors=True)
