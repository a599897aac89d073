"""Sessions across processes: a session auth ends is refused by the other services' own
processes within seconds (auth's event, each service's consumer, each API process's
revocation set), not when its access token expires; and a token names its services."""

import time

import httpx

from tests.e2e.school import PASSWORD, School, eventually


def sign_in(http: httpx.Client, login: str, **extra: object) -> dict[str, str]:
    response = http.post("/api/auth/login", json={"login": login, "password": PASSWORD, **extra})
    response.raise_for_status()
    body: dict[str, str] = response.json()
    return body


def bearer(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def test_a_signed_out_session_is_refused_by_journal_within_seconds(school: School) -> None:
    http = school.http
    tokens = sign_in(http, "deputy")
    other = sign_in(http, "deputy")
    url = "/api/journal/bell-schedule"
    assert http.get(url, headers=bearer(tokens)).status_code == 200

    signed_out = http.post("/api/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert signed_out.status_code == 204
    started = time.monotonic()

    eventually(lambda: http.get(url, headers=bearer(tokens)).status_code == 401, timeout=15)
    assert time.monotonic() - started < 15  # the token itself is good for 15 minutes
    # The deputy's other session is untouched.
    assert http.get(url, headers=bearer(other)).status_code == 200


def test_signing_out_everywhere_is_refused_by_journal_too(school: School) -> None:
    http = school.http
    first, second = sign_in(http, "teacher"), sign_in(http, "teacher")
    url = "/api/journal/bell-schedule"
    assert http.get(url, headers=bearer(first)).status_code == 200

    assert http.post("/api/auth/logout-all", headers=bearer(second)).status_code == 200

    for tokens in (first, second):
        eventually(lambda t=tokens: http.get(url, headers=bearer(t)).status_code == 401, timeout=15)


def test_a_token_asked_for_messaging_only_is_refused_by_journal(school: School) -> None:
    http = school.http
    tokens = sign_in(http, "deputy", audience=["auth", "messaging"])
    assert http.get("/api/auth/me", headers=bearer(tokens)).status_code == 200
    assert http.get("/api/journal/bell-schedule", headers=bearer(tokens)).status_code == 401
