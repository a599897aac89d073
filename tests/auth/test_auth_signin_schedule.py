"""Sign-in attempts are counted before their password is checked and checked in turn:
parallel guesses are slowed like sequential ones, a turn too far ahead is refused (429),
and a device that signed in before is slowed by its own failures only, so the owner
gets in during an attack on their login."""

import asyncio
import itertools
from collections.abc import AsyncIterator

import httpx
import jwt
import pytest
from auth_testkit import PASSWORD, RecordingSleeper, Schools, random_login
from fastapi import FastAPI
from sqlalchemy import text

from auth.api import get_clock, get_sleeper
from auth.main import MIGRATIONS
from auth.passwords import Passwords, login_digest, progressive_delay
from auth.settings import Settings
from auth.signin import policy
from shared.db import Database
from shared.migrations import upgrade
from shared.testing import create_database, drop_database, unique_name, with_database

WRONG = {"password": "wrong password"}


def use_settings(app: FastAPI, settings: Settings, **changes: object) -> Settings:
    changed = settings.model_copy(update=changes)
    app.state.settings = changed
    return changed


async def attempt(
    client: httpx.AsyncClient, login: str, password: str = "wrong password", **extra: object
) -> httpx.Response:
    return await client.post(
        "/api/auth/login", json={"login": login, "password": password, **extra}
    )


async def counted(db: Database, login: str) -> int:
    async with db.transaction() as session:
        value = await session.scalar(
            text("SELECT failures FROM login_failures WHERE login_digest = :d"),
            {"d": login_digest(login)},
        )
    return int(value or 0)


def sequential_delays(attempts: int) -> list[float]:
    """The delays of `attempts` wrong guesses one after another (those that wait)."""
    return [d for d in (progressive_delay(f) for f in range(attempts)) if d > 0]


async def test_fifty_sequential_wrong_guesses_wait_the_progressive_delays(
    app: FastAPI,
    client: httpx.AsyncClient,
    db: Database,
    schools: Schools,
    settings: Settings,
    sleeper: RecordingSleeper,
) -> None:
    use_settings(app, settings, login_max_wait=10_000.0)
    school = await schools.school()

    for _ in range(50):
        assert (await attempt(client, school.admin_login)).status_code == 401

    assert sleeper.delays == sequential_delays(50)
    assert sleeper.delays[:4] == [2.0, 4.0, 8.0, 10.0]
    assert await counted(db, school.admin_login) == 50


@pytest.fixture
async def own_database(pg_admin_url: str) -> AsyncIterator[Database]:
    """A migrated database of the test's own whose transactions really commit (so that
    attempts run side by side on the pool), dropped afterwards."""
    name = unique_name("test_auth_parallel")
    await create_database(pg_admin_url, name)
    url = with_database(pg_admin_url, name)
    await upgrade(MIGRATIONS, url)
    db = Database(url, pool_size=10)
    try:
        yield db
    finally:
        await db.dispose()
        await drop_database(pg_admin_url, name)


async def test_fifty_parallel_wrong_guesses_are_slowed_like_fifty_sequential_ones(
    app: FastAPI,
    client: httpx.AsyncClient,
    own_database: Database,
    settings: Settings,
    passwords: Passwords,
) -> None:
    """All fifty are sent at once on the clock of their arrival (frozen): each is counted
    before its check, so their turns follow one another as sequential attempts would;
    the last is checked when fifty sequential guesses would have finished."""

    app.state.db = own_database
    frozen = RecordingSleeper(frozen=True)
    app.dependency_overrides[get_sleeper] = lambda: frozen
    app.dependency_overrides[get_clock] = lambda: frozen.now
    use_settings(app, settings, login_max_wait=10_000.0)
    school = await Schools(own_database, passwords, client).school()

    answers = await asyncio.gather(*(attempt(client, school.admin_login) for _ in range(50)))

    assert {response.status_code for response in answers} == {401}
    assert await counted(own_database, school.admin_login) == 50
    sequential = sequential_delays(50)
    assert sorted(frozen.delays) == list(itertools.accumulate(sequential))
    assert max(frozen.delays) == sum(sequential)  # as long as fifty one after another


async def test_an_attempt_whose_turn_is_too_far_ahead_is_refused_and_not_counted(
    app: FastAPI, client: httpx.AsyncClient, db: Database, schools: Schools, settings: Settings
) -> None:
    use_settings(app, settings, login_max_wait=6.0)
    frozen = RecordingSleeper(frozen=True)
    app.dependency_overrides[get_sleeper] = lambda: frozen
    app.dependency_overrides[get_clock] = lambda: frozen.now
    school = await schools.school()
    nobody = random_login("nobody")

    for login in (school.admin_login, nobody):
        statuses = [(await attempt(client, login)).status_code for _ in range(7)]
        # Free four, then turns at +2 and +6 s; the one after would be at +14 s.
        assert statuses == [401] * 6 + [429], login
        assert await counted(db, login) == 6
    refused = await attempt(client, nobody)
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"].endswith("too-many-attempts")
    # Its turn would be 14 s ahead: it may come back when that is within the 6 s.
    assert int(refused.headers["retry-after"]) == refused.json()["retry_after"] == 8
    known = await attempt(client, school.admin_login)
    assert known.json() == refused.json() | {"instance": known.json().get("instance")}


async def test_the_owner_with_a_device_token_signs_in_during_an_attack_on_the_login(
    app: FastAPI, client: httpx.AsyncClient, db: Database, schools: Schools, settings: Settings
) -> None:
    school = await schools.school()
    device_token = (await schools.login(school.admin_login))["device_token"]
    assert device_token

    frozen = RecordingSleeper(frozen=True)
    app.dependency_overrides[get_sleeper] = lambda: frozen
    app.dependency_overrides[get_clock] = lambda: frozen.now
    answers = [(await attempt(client, school.admin_login)).status_code for _ in range(20)]
    assert answers[-1] == 429  # the login is under attack: attempts without a device wait
    waited = list(frozen.delays)

    owner = await attempt(client, school.admin_login, PASSWORD, device_token=device_token)

    assert owner.status_code == 200, owner.text
    assert frozen.delays == waited  # the owner's attempt did not wait
    assert owner.json()["device_token"] is None  # the device token stays the same
    assert await counted(db, school.admin_login) > 4  # the attack's count is not cleared


async def test_a_device_token_of_another_account_counts_for_nothing(
    app: FastAPI, client: httpx.AsyncClient, db: Database, schools: Schools
) -> None:
    school = await schools.school()
    teacher = await schools.staff(school, "teacher")
    others = (await schools.login(teacher.login))["device_token"]

    for _ in range(3):
        await attempt(client, school.admin_login, device_token=others)

    assert await counted(db, school.admin_login) == 3


async def test_a_device_failing_too_often_is_forgotten(
    app: FastAPI, client: httpx.AsyncClient, db: Database, schools: Schools, settings: Settings
) -> None:
    use_settings(app, settings, device_max_failures=3)
    school = await schools.school()
    device_token = (await schools.login(school.admin_login))["device_token"]

    for _ in range(3):
        assert (
            await attempt(client, school.admin_login, device_token=device_token)
        ).status_code == 401
    assert await counted(db, school.admin_login) == 0  # counted on the device
    async with db.transaction() as session:
        devices = await session.scalar(
            text("SELECT count(*) FROM known_devices WHERE account_id = :a"),
            {"a": school.admin_id},
        )
    assert devices == 0
    await attempt(client, school.admin_login, device_token=device_token)
    assert await counted(db, school.admin_login) == 1  # now an untrusted attempt


async def test_a_success_clears_the_count_it_was_taken_on(
    client: httpx.AsyncClient, db: Database, schools: Schools
) -> None:
    school = await schools.school()
    for _ in range(3):
        await attempt(client, school.admin_login)
    assert await counted(db, school.admin_login) == 3

    await schools.login(school.admin_login)

    assert await counted(db, school.admin_login) == 0


async def test_device_tokens_are_stored_as_hashes_and_set_as_a_strict_cookie(
    client: httpx.AsyncClient, db: Database, schools: Schools
) -> None:
    school = await schools.school()
    response = await attempt(client, school.admin_login, PASSWORD)
    token = response.json()["device_token"]
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"school_device={token};")
    for attribute in ("HttpOnly", "Secure", "SameSite=strict", "Path=/api/auth/login"):
        assert attribute.lower() in cookie.lower()
    async with db.transaction() as session:
        stored = list(
            await session.scalars(
                text("SELECT token_hash FROM known_devices WHERE account_id = :a"),
                {"a": school.admin_id},
            )
        )
    assert token not in stored and len(stored) == 1 and len(stored[0]) == 64


async def test_the_device_cookie_is_read_like_the_field(
    app: FastAPI, client: httpx.AsyncClient, db: Database, schools: Schools
) -> None:
    school = await schools.school()
    device_token = (await schools.login(school.admin_login))["device_token"]
    client.cookies.set("school_device", device_token, path="/api/auth/login")

    await attempt(client, school.admin_login)

    assert await counted(db, school.admin_login) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"audience": []},
        {"audience": ["payroll"]},
        {"audience": "journal"},
        {"audience": ["journal"] * 6},
        {"device_token": ""},
        {"device_token": "x" * 101},
        {"device_token": 12},
    ],
    ids=["no service", "unknown service", "not a list", "too many", "empty device", "long", "int"],
)
async def test_login_refuses_bad_audiences_and_device_tokens(
    client: httpx.AsyncClient, body: dict[str, object]
) -> None:
    response = await attempt(client, "someone", **body)
    assert response.status_code == 422, response.text


async def test_the_session_asks_for_fewer_services(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    response = await attempt(
        client, school.admin_login, PASSWORD, audience=["messaging", "auth", "messaging"]
    )
    token = response.json()["access_token"]
    assert jwt.decode(token, options={"verify_signature": False})["aud"] == ["auth", "messaging"]
    refreshed = await client.post(
        "/api/auth/token/refresh", json={"refresh_token": response.json()["refresh_token"]}
    )
    claims = jwt.decode(refreshed.json()["access_token"], options={"verify_signature": False})
    assert claims["aud"] == ["auth", "messaging"]
    assert claims["sid"] == response.json()["session_id"]


# --- the password policy ---------------------------------------------------------------


def test_the_common_password_list_is_the_twenty_thousand_of_djangos_validator() -> None:
    common = policy.common_passwords()
    assert len(common) > 19_000
    assert {"password", "qwerty123", "йцукен", "1q2w3e4r5t"} <= common


@pytest.mark.parametrize(
    ("password", "refused"),
    [
        ("Password", True),
        ("  qwerty123 ", True),
        ("short", True),
        ("correct horse battery", False),
        ("x" * 257, True),
    ],
)
def test_weaknesses_name_why_a_password_is_refused(password: str, refused: bool) -> None:
    assert bool(policy.weaknesses(password)) is refused


def test_a_password_equal_to_the_login_is_weak() -> None:
    assert policy.weaknesses("ivanova.anna", login="Ivanova.Anna") == ["the same as the login"]


async def test_a_common_password_is_refused_for_a_new_account(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    headers = await schools.bearer(school.admin_login)
    for password in ("password123", "ЙЦУКЕН"):
        response = await client.post(
            "/api/auth/staff",
            headers=headers,
            json={
                "login": random_login("t"),
                "password": password,
                "last_name": "Петрова",
                "first_name": "Анна",
                "roles": ["teacher"],
            },
        )
        assert response.status_code == 422, response.text
        assert "password" in response.text


async def test_unknown_logins_are_counted_apart_from_each_other(
    client: httpx.AsyncClient, db: Database
) -> None:
    first, second = random_login("a"), random_login("b")
    for _ in range(2):
        await attempt(client, first)
    await attempt(client, second)
    assert (await counted(db, first), await counted(db, second)) == (2, 1)
