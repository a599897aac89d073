"""Provisioning a school: the service function and the command line."""

import asyncio
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from alembic.script import ScriptDirectory
from auth_testkit import PASSWORD, Schools, count, outbox_envelopes, random_login

from auth import service
from auth.keys import KeyRing
from auth.main import MIGRATIONS
from auth.passwords import Passwords
from auth.settings import Settings
from auth.signin.flow import Attempt, sign_in
from auth.tokens import TokenIssuer
from shared.db import Database
from shared.errors import Problem
from shared.testing import create_database, drop_database, unique_name, with_database


async def test_provisioning_registers_the_school_and_its_sysadmin(
    db: Database, passwords: Passwords, schools: Schools, client: httpx.AsyncClient
) -> None:
    login = random_login("admin")
    async with db.transaction() as session:
        school_id, account_id = await service.provision_school(
            session,
            name="ГБОУ СОШ № 239",
            timezone="Europe/Moscow",
            admin_login=login,
            admin_password=PASSWORD,
            admin_last_name="Никитин",
            admin_first_name="Олег",
            passwords=passwords,
        )

    events = {e["type"]: e for e in await outbox_envelopes(db)}
    assert events["auth.school.registered.v1"]["data"] == {
        "name": "ГБОУ СОШ № 239",
        "timezone": "Europe/Moscow",
    }
    assert events["auth.school.registered.v1"]["schoolid"] == str(school_id)
    assert events["auth.staff.created.v1"]["data"]["account_id"] == str(account_id)
    assert events["auth.staff.created.v1"]["data"]["roles"] == ["sysadmin"]
    me = (await client.get("/api/auth/me", headers=await schools.bearer(login))).json()
    assert me["roles"] == ["sysadmin"]
    assert me["school"]["id"] == str(school_id)


@pytest.mark.parametrize(
    "changes",
    [
        {"timezone": "Mars/Olympus"},
        {"admin_password": "short"},
        {"admin_login": "a b"},
        {"name": " "},
    ],
    ids=["unknown-timezone", "short-password", "bad-login", "blank-name"],
)
async def test_provisioning_refuses_invalid_input_and_writes_nothing(
    db: Database, passwords: Passwords, changes: dict[str, str]
) -> None:
    arguments = {
        "name": "Школа",
        "timezone": "Europe/Moscow",
        "admin_login": random_login("admin"),
        "admin_password": PASSWORD,
        "admin_last_name": "Никитин",
        "admin_first_name": "Олег",
        **changes,
    }
    before = await count(db, "SELECT count(*) FROM schools")
    with pytest.raises(Problem) as raised:
        async with db.transaction() as session:
            await service.provision_school(session, passwords=passwords, **arguments)
    assert raised.value.status == 422
    assert await count(db, "SELECT count(*) FROM schools") == before


async def test_provisioning_refuses_a_taken_admin_login(
    db: Database, passwords: Passwords, schools: Schools
) -> None:
    school = await schools.school()
    with pytest.raises(Problem) as raised:
        async with db.transaction() as session:
            await service.provision_school(
                session,
                name="Школа № 2",
                timezone="Europe/Moscow",
                admin_login=school.admin_login.upper(),
                admin_password=PASSWORD,
                admin_last_name="Никитин",
                admin_first_name="Олег",
                passwords=passwords,
            )
    assert raised.value.status == 409


# --- the command line, against a fresh database -----------------------------------------


@pytest.fixture
async def fresh_database_url(pg_admin_url: str) -> AsyncIterator[str]:
    name = unique_name("test_auth_cli")
    await create_database(pg_admin_url, name)
    try:
        yield with_database(pg_admin_url, name)
    finally:
        await drop_database(pg_admin_url, name)


async def run_module(
    module: str, *args: str, env: dict[str, str], stdin: bytes | None = None
) -> tuple[int, str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AUTH_")}
    environment.update(env)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        *args,
        env=environment,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(stdin), timeout=120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


PROVISION_ARGS = (
    "--name",
    "ГБОУ СОШ № 1",
    "--timezone",
    "Europe/Moscow",
    "--admin-login",
    "root-admin",
    "--admin-last-name",
    "Никитин",
    "--admin-first-name",
    "Олег",
)


async def test_provision_cli_migrates_a_fresh_database_and_provisions_the_school(
    fresh_database_url: str,
) -> None:
    code, out, err = await run_module(
        "auth.provision",
        *PROVISION_ARGS,
        "--admin-password-env",
        "SCHOOL_ADMIN_PASSWORD",
        env={"AUTH_DATABASE_URL": fresh_database_url, "SCHOOL_ADMIN_PASSWORD": PASSWORD},
    )
    assert code == 0, err
    printed = json.loads(out)
    school_id, account_id = uuid.UUID(printed["school_id"]), uuid.UUID(printed["account_id"])
    assert PASSWORD not in out + err

    db = Database(fresh_database_url, pool_size=1)
    try:
        assert await count(db, "SELECT count(*) FROM schools WHERE id = :s", s=school_id) == 1
        assert (
            await count(
                db,
                "SELECT count(*) FROM account_roles WHERE account_id = :a "
                "AND role = 'sysadmin' AND school_id = :s",
                a=account_id,
                s=school_id,
            )
            == 1
        )
        assert (
            await count(
                db,
                "SELECT count(*) FROM outbox WHERE routing_key IN "
                "('auth.school.registered.v1', 'auth.staff.created.v1')",
            )
            == 2
        )
        settings = Settings(database_url=fresh_database_url)
        signed_in = await sign_in(
            db,
            settings=settings,
            passwords=Passwords.from_settings(settings),
            issuer=TokenIssuer(settings, KeyRing(settings)),
            attempt=Attempt(login="root-admin", password=PASSWORD),
            sleep=asyncio.sleep,
        )
        assert signed_in is not None
    finally:
        await db.dispose()


async def test_provision_cli_reads_the_password_from_stdin(fresh_database_url: str) -> None:
    code, out, err = await run_module(
        "auth.provision",
        *PROVISION_ARGS,
        "--admin-password-stdin",
        env={"AUTH_DATABASE_URL": fresh_database_url},
        stdin=PASSWORD.encode() + b"\n",
    )
    assert code == 0, err
    assert uuid.UUID(json.loads(out)["school_id"])


async def test_provision_cli_refuses_a_password_on_the_command_line(
    fresh_database_url: str,
) -> None:
    code, _, err = await run_module(
        "auth.provision",
        *PROVISION_ARGS,
        "--admin-password",
        PASSWORD,
        env={"AUTH_DATABASE_URL": fresh_database_url},
    )
    assert code == 2
    assert "--admin-password-env" in err


async def test_provision_cli_reports_invalid_input_without_a_traceback(
    fresh_database_url: str,
) -> None:
    code, out, err = await run_module(
        "auth.provision",
        *PROVISION_ARGS,
        "--admin-password-env",
        "PW",
        env={"AUTH_DATABASE_URL": fresh_database_url, "PW": "short"},
    )
    assert code == 1
    assert out == ""
    assert "admin_password" in err and "Traceback" not in err


async def test_migrate_cli_brings_a_fresh_database_to_head(fresh_database_url: str) -> None:
    code, _, err = await run_module("auth.migrate", env={"AUTH_DATABASE_URL": fresh_database_url})
    assert code == 0, err
    # The newest migration, whichever it is (each new one would otherwise edit this test).
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    db = Database(fresh_database_url, pool_size=1)
    try:
        assert (
            await count(
                db, "SELECT count(*) FROM alembic_version WHERE version_num = :head", head=head
            )
            == 1
        )
    finally:
        await db.dispose()
