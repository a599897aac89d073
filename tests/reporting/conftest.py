"""Reporting fixtures (the database, app, client and tokens come from tests/conftest.py)."""

import pytest
from reporting_school import School

from shared.db import Database
from shared.testing import TokenFactory


@pytest.fixture(scope="session")
def service() -> str:
    return "reporting"


@pytest.fixture
def school(db: Database, tokens: TokenFactory) -> School:
    return School(db, tokens)


@pytest.fixture
def other_school(db: Database, tokens: TokenFactory) -> School:
    return School(db, tokens)
