"""Migrate the auth database to head: `python -m auth.migrate` (URL from AUTH_DATABASE_URL)."""

import asyncio

from auth.main import MIGRATIONS
from auth.settings import Settings
from shared.migrations import upgrade


def main() -> int:
    asyncio.run(upgrade(MIGRATIONS, Settings().database_url))
    print("auth: migrated to head")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
