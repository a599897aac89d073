"""Passwords: argon2id with OWASP's parameters, rehash on login, progressive delay."""

from datetime import UTC, datetime, timedelta

import argon2
import httpx
import pytest
from auth_testkit import PASSWORD, RecordingSleeper, Schools, random_login
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy import text

from auth.passwords import Passwords, login_digest, progressive_delay
from auth.settings import Settings
from shared.db import Database


async def stored_hash(db: Database, login: str) -> str:
    async with db.transaction() as session:
        value = await session.scalar(
            text("SELECT password_hash FROM accounts WHERE lower(login) = lower(:login)"),
            {"login": login},
        )
    assert isinstance(value, str)
    return value


async def set_hash(db: Database, login: str, password_hash: str) -> None:
    async with db.transaction() as session:
        await session.execute(
            text("UPDATE accounts SET password_hash = :h WHERE lower(login) = lower(:login)"),
            {"h": password_hash, "login": login},
        )


async def test_passwords_are_hashed_with_argon2id_at_owasp_strength(
    db: Database, schools: Schools
) -> None:
    school = await schools.school()
    parameters = argon2.extract_parameters(await stored_hash(db, school.admin_login))
    assert parameters.type is argon2.Type.ID
    assert parameters.memory_cost >= 19 * 1024
    assert parameters.time_cost >= 2


def test_settings_refuse_argon2_parameters_below_owasp_minimum() -> None:
    with pytest.raises(ValidationError):
        Settings(argon2_memory_cost=8 * 1024)
    with pytest.raises(ValidationError):
        Settings(argon2_time_cost=1)


async def test_login_rehashes_a_password_hashed_with_older_parameters(
    db: Database, schools: Schools
) -> None:
    school = await schools.school()
    weaker = argon2.PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    await set_hash(db, school.admin_login, weaker.hash(PASSWORD))

    await schools.login(school.admin_login)

    parameters = argon2.extract_parameters(await stored_hash(db, school.admin_login))
    assert (parameters.memory_cost, parameters.time_cost) == (19 * 1024, 2)


async def test_login_rehashes_when_the_configured_parameters_rise(
    db: Database, schools: Schools, app: FastAPI
) -> None:
    school = await schools.school()
    stronger = Passwords(memory_cost=19 * 1024, time_cost=3, parallelism=1)
    app.state.passwords = stronger

    await schools.login(school.admin_login)

    assert argon2.extract_parameters(await stored_hash(db, school.admin_login)).time_cost == 3


async def test_login_keeps_a_hash_made_with_the_current_parameters(
    db: Database, schools: Schools
) -> None:
    school = await schools.school()
    before = await stored_hash(db, school.admin_login)
    await schools.login(school.admin_login)
    assert await stored_hash(db, school.admin_login) == before


async def test_a_wrong_password_never_rehashes(
    db: Database, schools: Schools, client: httpx.AsyncClient
) -> None:
    school = await schools.school()
    weaker_hash = argon2.PasswordHasher(time_cost=1, memory_cost=8 * 1024).hash(PASSWORD)
    await set_hash(db, school.admin_login, weaker_hash)
    await client.post(
        "/api/auth/login", json={"login": school.admin_login, "password": "wrong password"}
    )
    assert await stored_hash(db, school.admin_login) == weaker_hash


async def test_hashing_runs_outside_the_event_loop(passwords: Passwords) -> None:
    # Verification of a malformed hash is a plain "no", never an exception.
    assert await passwords.verify("not-a-hash", PASSWORD) is False
    assert passwords.needs_rehash("not-a-hash") is True


@pytest.mark.parametrize(
    ("failures", "delay"),
    [
        (0, 0.0),
        (1, 0.0),
        (3, 0.0),
        (4, 2.0),
        (5, 4.0),
        (6, 8.0),
        (7, 10.0),
        (50, 10.0),
        (10**9, 10.0),
    ],
)
def test_progressive_delay_is_free_for_three_failures_then_doubles_up_to_ten_seconds(
    failures: int, delay: float
) -> None:
    assert progressive_delay(failures) == delay


async def fail_logins(client: httpx.AsyncClient, login: str, times: int) -> None:
    for _ in range(times):
        response = await client.post(
            "/api/auth/login", json={"login": login, "password": "wrong password"}
        )
        assert response.status_code == 401


async def test_failing_logins_beyond_three_are_slowed_down_by_the_sleeper(
    client: httpx.AsyncClient, schools: Schools, sleeper: RecordingSleeper
) -> None:
    school = await schools.school()
    await fail_logins(client, school.admin_login, 4)
    assert sleeper.delays == []

    await fail_logins(client, school.admin_login, 3)

    assert sleeper.delays == [2.0, 4.0, 8.0]


async def test_a_login_with_many_recent_failures_waits_the_maximum_delay(
    db: Database, client: httpx.AsyncClient, schools: Schools, sleeper: RecordingSleeper
) -> None:
    school = await schools.school()
    async with db.transaction() as session:
        await session.execute(
            text(
                "INSERT INTO login_failures (login_digest, account_id, school_id, failures, "
                "last_failed_at) VALUES (:d, :a, :s, 40, now())"
            ),
            {"d": login_digest(school.admin_login), "a": school.admin_id, "s": school.id},
        )

    await fail_logins(client, school.admin_login, 1)

    assert sleeper.delays == [10.0]


async def test_the_delay_is_not_a_lockout_the_right_password_still_works(
    client: httpx.AsyncClient, schools: Schools, sleeper: RecordingSleeper
) -> None:
    school = await schools.school()
    await fail_logins(client, school.admin_login, 5)

    await schools.login(school.admin_login)
    assert sleeper.delays == [2.0, 4.0]

    # ...and a success resets the count.
    await fail_logins(client, school.admin_login, 4)
    assert sleeper.delays == [2.0, 4.0]


async def test_unknown_logins_are_slowed_down_like_known_ones(
    client: httpx.AsyncClient, sleeper: RecordingSleeper
) -> None:
    # Otherwise the delay would tell which logins exist.
    await fail_logins(client, random_login("nobody"), 7)
    assert sleeper.delays == [2.0, 4.0, 8.0]


async def test_the_delay_counts_failures_case_insensitively(
    client: httpx.AsyncClient, schools: Schools, sleeper: RecordingSleeper
) -> None:
    school = await schools.school()
    await fail_logins(client, school.admin_login.upper(), 2)
    await fail_logins(client, school.admin_login, 3)
    assert sleeper.delays == [2.0]


async def test_failures_older_than_the_window_no_longer_count(
    db: Database,
    client: httpx.AsyncClient,
    schools: Schools,
    sleeper: RecordingSleeper,
    settings: Settings,
) -> None:
    school = await schools.school()
    long_ago = datetime.now(UTC) - timedelta(seconds=settings.login_failure_window + 60)
    async with db.transaction() as session:
        await session.execute(
            text(
                "INSERT INTO login_failures (login_digest, account_id, school_id, failures, "
                "last_failed_at) VALUES (:d, :a, :s, 40, :at)"
            ),
            {
                "d": login_digest(school.admin_login),
                "a": school.admin_id,
                "s": school.id,
                "at": long_ago,
            },
        )

    await fail_logins(client, school.admin_login, 1)

    assert sleeper.delays == []
    async with db.transaction() as session:
        failures = await session.scalar(
            text("SELECT failures FROM login_failures WHERE login_digest = :d"),
            {"d": login_digest(school.admin_login)},
        )
    assert failures == 1
