"""The archive's service credential: a token from auth's client-credentials endpoint
(RFC 6749 §4.4, scope `journal.export`), reused until shortly before it expires; auth
refusing or unreachable is reported as the export being unavailable."""

from urllib.parse import parse_qs

import httpx
import pytest

from archive.journal_export import ClientCredentials, ExportUnavailable

TOKEN_URL = "http://auth.test/api/auth/service-token"


def auth(answers: list[httpx.Response], asked: list[dict[str, list[str]]]) -> httpx.AsyncClient:
    def handle(request: httpx.Request) -> httpx.Response:
        assert request.url == TOKEN_URL
        assert request.headers["content-type"] == "application/x-www-form-urlencoded"
        asked.append(parse_qs(request.content.decode()))
        return answers.pop(0)

    return httpx.AsyncClient(transport=httpx.MockTransport(handle))


async def test_the_token_is_asked_for_with_the_clients_credentials_and_reused() -> None:
    asked: list[dict[str, list[str]]] = []
    answer = {"access_token": "t-1", "token_type": "Bearer", "expires_in": 300}
    async with auth([httpx.Response(200, json=answer)], asked) as http:
        credentials = ClientCredentials(http, TOKEN_URL, "archive-1a2b", "secret")

        assert await credentials.token() == "t-1"
        assert await credentials.token() == "t-1"  # no second request

    assert asked == [
        {
            "grant_type": ["client_credentials"],
            "client_id": ["archive-1a2b"],
            "client_secret": ["secret"],
            "scope": ["journal.export"],
        }
    ]


async def test_a_token_near_its_end_is_replaced() -> None:
    asked: list[dict[str, list[str]]] = []
    answers = [
        httpx.Response(200, json={"access_token": "short", "expires_in": 10}),
        httpx.Response(200, json={"access_token": "next", "expires_in": 300}),
    ]
    async with auth(answers, asked) as http:
        credentials = ClientCredentials(http, TOKEN_URL, "archive-1a2b", "secret")

        assert [await credentials.token(), await credentials.token()] == ["short", "next"]


async def test_auth_refusing_the_client_is_reported() -> None:
    refused = httpx.Response(401, json={"type": "urn:school:problem:invalid-client"})
    async with auth([refused], []) as http:
        credentials = ClientCredentials(http, TOKEN_URL, "archive-1a2b", "wrong")

        with pytest.raises(ExportUnavailable, match="refused the archive's credentials"):
            await credentials.token()


async def test_auth_unreachable_is_reported() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(down)) as http:
        credentials = ClientCredentials(http, TOKEN_URL, "archive-1a2b", "secret")

        with pytest.raises(ExportUnavailable, match="auth is not reachable"):
            await credentials.token()
