"""`python -m auth service-client add|list|disable`: the service clients, for operators.

    python -m auth service-client add archive --scope journal.export
    python -m auth service-client list
    python -m auth service-client disable archive

`add` prints the client id and the secret as JSON; the secret is shown this once and
stored only as an argon2id hash. The database is AUTH_DATABASE_URL, migrated first.
"""

import argparse
import asyncio
import json
import sys

from auth import service_clients
from auth.main import MIGRATIONS
from auth.passwords import Passwords
from auth.settings import Settings
from shared.db import Database
from shared.errors import Problem
from shared.migrations import upgrade


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m auth service-client",
        description="Services that obtain tokens with OAuth2 client credentials.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="register a client; prints its secret once")
    add.add_argument("name", help="the service, e.g. archive")
    add.add_argument(
        "--scope",
        action="append",
        required=True,
        choices=sorted(service_clients.SCOPES),
        help="a scope it may ask for (repeatable)",
    )
    commands.add_parser("list", help="every client with its scopes, never a secret")
    disable = commands.add_parser("disable", help="stop issuing tokens to a client")
    disable.add_argument("client", help="its name (the active one) or its client id")
    return parser.parse_args(argv)


async def run(args: argparse.Namespace, settings: Settings) -> dict[str, object]:
    await upgrade(MIGRATIONS, settings.database_url)
    db = Database(settings.database_url, pool_size=1)
    try:
        async with db.transaction() as session:
            if args.command == "add":
                client, secret = await service_clients.add_client(
                    session, Passwords.from_settings(settings), args.name, args.scope
                )
                return {
                    "client_id": client.client_id,
                    "client_secret": secret,
                    "name": client.name,
                    "scopes": client.scopes,
                }
            if args.command == "disable":
                client = await service_clients.disable_client(session, args.client)
                return {"client_id": client.client_id, "disabled_at": str(client.disabled_at)}
            return {
                "clients": [
                    {
                        "client_id": c.client_id,
                        "name": c.name,
                        "scopes": c.scopes,
                        "created_at": c.created_at.isoformat(),
                        "disabled_at": c.disabled_at.isoformat() if c.disabled_at else None,
                    }
                    for c in await service_clients.list_clients(session)
                ]
            }
    finally:
        await db.dispose()


def main(argv: list[str], settings: Settings | None = None) -> int:
    args = parse_args(argv)
    try:
        result = asyncio.run(run(args, settings or Settings()))
    except (Problem, ValueError) as error:
        message = f"{error.title}: {error.detail}" if isinstance(error, Problem) else str(error)
        print(f"error: {message}", file=sys.stderr)
        return 1
    print(json.dumps(result, ensure_ascii=False))
    return 0
