"""`python -m auth keys rotate|list`: the token signing keys, for operators.

    python -m auth keys rotate            # publish a new key now, sign with it in 10 min
    python -m auth keys rotate --lead 0   # sign with it at once (a key feared leaked)
    python -m auth keys list

A rotation signs no one out: the old key stays in the JWKS until the last token it signed
has expired, and the new one is in the JWKS `--lead` seconds (AUTH_SIGNING_KEY_PUBLISH_LEAD,
600) before its first token, so every service knows it by then. With `--lead 0`, a
service meeting the new kid refetches the JWKS at once (at most once a minute per
process). Prints JSON; never a private key. The database is AUTH_DATABASE_URL, migrated
first.
"""

import argparse
import asyncio
import json
from datetime import UTC, datetime

from auth.keys import KeyRing
from auth.main import MIGRATIONS
from auth.models import SigningKey
from auth.settings import Settings
from shared.db import Database
from shared.migrations import upgrade


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m auth keys", description="The keys signing access tokens."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    rotate = commands.add_parser("rotate", help="publish a new key; it signs after --lead s")
    rotate.add_argument(
        "--lead",
        type=float,
        default=None,
        help="seconds between publishing the new key and signing with it "
        "(default AUTH_SIGNING_KEY_PUBLISH_LEAD)",
    )
    commands.add_parser("list", help="the published keys: kid, created, activates, retired")
    args = parser.parse_args(argv)
    if getattr(args, "lead", None) is not None and args.lead < 0:
        parser.error("--lead must not be negative")
    return args


def _described(key: SigningKey) -> dict[str, object]:
    return {
        "kid": key.kid,
        "created_at": key.created_at.isoformat() if key.created_at else None,
        "activates_at": key.activates_at.isoformat(),
        "retired_at": key.retired_at.isoformat() if key.retired_at else None,
    }


async def run(args: argparse.Namespace, settings: Settings) -> dict[str, object]:
    await upgrade(MIGRATIONS, settings.database_url)
    db = Database(settings.database_url, pool_size=1)
    keyring = KeyRing(settings)
    try:
        async with db.transaction() as session:
            now = datetime.now(UTC)
            if args.command == "rotate":
                await keyring.active(session, now)  # a first key, if there is none yet
                key = await keyring.rotate(session, now, args.lead)
                return {"kid": key.kid, "activates_at": key.activates_at.isoformat()}
            return {"keys": [_described(key) for key in await keyring.published(session, now)]}
    finally:
        await db.dispose()


def main(argv: list[str], settings: Settings | None = None) -> int:
    args = parse_args(argv)
    print(json.dumps(asyncio.run(run(args, settings or Settings()))))
    return 0
