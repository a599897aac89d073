"""Page numbers PostgreSQL cannot hold are a 422 problem, never a 500."""

import uuid

import httpx
import pytest

from shared.inputs import INT32_MAX
from shared.testing import TokenFactory

URL = "/api/messaging/notifications"


@pytest.fixture
def student(tokens: TokenFactory) -> dict[str, str]:
    token = tokens.token(school_id=uuid.uuid4(), roles=["student"], person_id=uuid.uuid4())
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("offset", [10**20, 2**63, INT32_MAX + 1])
async def test_an_offset_beyond_what_postgresql_takes_is_refused(
    client: httpx.AsyncClient, student: dict[str, str], offset: int
) -> None:
    response = await client.get(URL, params={"offset": offset}, headers=student)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:school:problem:validation-error"
    assert [e["loc"] for e in response.json()["errors"]] == [["query", "offset"]]


async def test_the_largest_offset_answers_an_empty_page(
    client: httpx.AsyncClient, student: dict[str, str]
) -> None:
    response = await client.get(URL, params={"offset": INT32_MAX}, headers=student)

    assert response.status_code == 200, response.text
    assert response.json()["items"] == []
    assert response.json()["offset"] == INT32_MAX


async def test_a_nul_in_a_notification_id_is_refused(
    client: httpx.AsyncClient, student: dict[str, str]
) -> None:
    response = await client.post(f"{URL}/%00/read", headers=student)

    assert response.status_code == 422
    assert response.json()["type"] == "urn:school:problem:validation-error"
