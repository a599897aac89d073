"""Key rotation without signing anyone out: `python -m auth keys rotate` publishes the next
key ahead of signing with it, and the old key stays published until its tokens expire."""

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from auth.keys import RETIRED_KEY_MARGIN, KeyRing
from auth.settings import Settings
from shared.db import Database
from shared.testing import create_database, drop_database, unique_name, with_database


async def test_a_rotation_publishes_the_next_key_before_it_signs(
    db: Database, settings: Settings
) -> None:
    keyring = KeyRing(settings)
    now = datetime.now(UTC)
    async with db.transaction() as session:
        old = await keyring.active(session, now)
        new = await keyring.rotate(session, now)
        lead = timedelta(seconds=settings.signing_key_publish_lead)
        assert new.activates_at == now + lead

        published = {key.kid for key in await keyring.published(session, now)}
        assert published == {old.kid, new.kid}  # every service can learn it now
        assert (await keyring.active(session, now)).kid == old.kid  # ...and still signs old
        assert (await keyring.active(session, now + lead)).kid == new.kid

        # The old key stays published while tokens it signed may live.
        lifetime = timedelta(seconds=settings.access_token_ttl) + RETIRED_KEY_MARGIN
        still = now + lead + lifetime - timedelta(seconds=1)
        gone = now + lead + lifetime + timedelta(seconds=1)
        assert {key.kid for key in await keyring.published(session, still)} == {old.kid, new.kid}
        assert {key.kid for key in await keyring.published(session, gone)} == {new.kid}


async def test_a_rotation_without_lead_switches_at_once(db: Database, settings: Settings) -> None:
    keyring = KeyRing(settings)
    now = datetime.now(UTC)
    async with db.transaction() as session:
        old = await keyring.active(session, now)
        new = await keyring.rotate(session, now, lead=0)
        assert (await keyring.active(session, now)).kid == new.kid
        assert old.kid in {key.kid for key in await keyring.published(session, now)}


async def test_two_rotations_in_a_row_leave_one_key_to_come(
    db: Database, settings: Settings
) -> None:
    keyring = KeyRing(settings)
    now = datetime.now(UTC)
    async with db.transaction() as session:
        old = await keyring.active(session, now)
        await keyring.rotate(session, now)
        latest = await keyring.rotate(session, now + timedelta(seconds=1))
        later = now + timedelta(seconds=settings.signing_key_publish_lead + 2)
        assert (await keyring.active(session, later)).kid == latest.kid
        assert (await keyring.active(session, now)).kid == old.kid


@pytest.fixture
async def fresh_database_url(pg_admin_url: str) -> AsyncIterator[str]:
    name = unique_name("test_auth_keys")
    await create_database(pg_admin_url, name)
    try:
        yield with_database(pg_admin_url, name)
    finally:
        await drop_database(pg_admin_url, name)


async def keys_command(url: str, *args: str) -> dict[str, object]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AUTH_")}
    environment["AUTH_DATABASE_URL"] = url
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "auth",
        "keys",
        *args,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    printed: dict[str, object] = json.loads(out)
    return printed


async def test_the_command_rotates_and_lists_without_private_keys(
    fresh_database_url: str,
) -> None:
    rotated = await keys_command(fresh_database_url, "rotate")
    immediate = await keys_command(fresh_database_url, "rotate", "--lead", "0")
    listed = await keys_command(fresh_database_url, "list")

    keys = listed["keys"]
    assert isinstance(keys, list)
    kids = {key["kid"] for key in keys}
    assert {rotated["kid"], immediate["kid"]} <= kids and len(kids) == 3
    assert all(set(key) == {"kid", "created_at", "activates_at", "retired_at"} for key in keys)
    assert "PRIVATE" not in json.dumps(listed)


async def test_the_command_refuses_a_negative_lead(fresh_database_url: str) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AUTH_")}
    environment["AUTH_DATABASE_URL"] = fresh_database_url
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "auth",
        "keys",
        "rotate",
        "--lead",
        "-5",
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await process.communicate()
    assert process.returncode == 2
    assert b"--lead" in err
