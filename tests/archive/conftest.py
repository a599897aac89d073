"""Archive fixtures (the database, app, client, tokens and `deliver` come from
tests/conftest.py)."""

import pytest


@pytest.fixture(scope="session")
def service() -> str:
    return "archive"
