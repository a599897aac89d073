"""Provision a school and its first system administrator.

    AUTH_DATABASE_URL=... ADMIN_PASSWORD=... python -m auth.provision \\
        --name "ГБОУ СОШ № 1" --timezone Europe/Moscow \\
        --admin-login admin --admin-password-env ADMIN_PASSWORD \\
        --admin-last-name Иванов --admin-first-name Иван [--admin-middle-name Иванович]

The password is read from the named environment variable or from stdin
(--admin-password-stdin), never from the command line. The database is migrated first.
Prints {"school_id": ..., "account_id": ...} as JSON.
"""

import argparse
import asyncio
import json
import os
import sys
import uuid

from auth import service
from auth.main import MIGRATIONS
from auth.passwords import Passwords
from auth.settings import Settings
from shared.db import Database
from shared.errors import Problem
from shared.migrations import upgrade


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m auth.provision",
        description="Provision a school and its first system administrator.",
    )
    parser.add_argument("--name", required=True, help="the school's name")
    parser.add_argument("--timezone", required=True, help="IANA time zone, e.g. Europe/Moscow")
    parser.add_argument("--admin-login", required=True)
    parser.add_argument("--admin-last-name", required=True)
    parser.add_argument("--admin-first-name", required=True)
    parser.add_argument("--admin-middle-name")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--admin-password-env", metavar="VAR", help="the environment variable holding the password"
    )
    source.add_argument(
        "--admin-password-stdin",
        action="store_true",
        help="read the password from the first line of stdin",
    )
    return parser.parse_args(argv)


def read_password(args: argparse.Namespace) -> str:
    if args.admin_password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = os.environ.get(args.admin_password_env)
    if not password:
        raise SystemExit(f"error: environment variable {args.admin_password_env} is not set")
    return password


async def provision(
    args: argparse.Namespace, password: str, settings: Settings
) -> tuple[uuid.UUID, uuid.UUID]:
    await upgrade(MIGRATIONS, settings.database_url)
    db = Database(settings.database_url, pool_size=1)
    try:
        async with db.transaction() as session:
            return await service.provision_school(
                session,
                name=args.name,
                timezone=args.timezone,
                admin_login=args.admin_login,
                admin_password=password,
                admin_last_name=args.admin_last_name,
                admin_first_name=args.admin_first_name,
                admin_middle_name=args.admin_middle_name,
                passwords=Passwords.from_settings(settings),
            )
    finally:
        await db.dispose()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    password = read_password(args)
    try:
        school_id, account_id = asyncio.run(provision(args, password, Settings()))
    except Problem as problem:
        print(f"error: {problem.title}: {problem.detail or problem.slug}", file=sys.stderr)
        return 1
    print(json.dumps({"school_id": str(school_id), "account_id": str(account_id)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
