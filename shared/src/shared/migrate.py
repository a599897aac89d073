"""Migrate one service's database to head: `python -m shared.migrate <service>`.

The database URL comes from the service's own settings (<SERVICE>_DATABASE_URL).
"""

import asyncio
import importlib
import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m shared.migrate <service>", file=sys.stderr)
        return 2
    service = args[0]
    main_module = importlib.import_module(f"{service}.main")
    settings = importlib.import_module(f"{service}.settings").Settings()
    from shared.migrations import upgrade

    asyncio.run(upgrade(main_module.MIGRATIONS, settings.database_url))
    print(f"{service}: migrated to head")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
