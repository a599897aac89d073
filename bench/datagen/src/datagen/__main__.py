"""Fill the services' databases with generated schools:

    JOURNAL_DATABASE_URL=... AUTH_DATABASE_URL=... (all five) \\
        ./school python -m datagen --schools 10 --scale 1 --password-env DEMO_PASSWORD

The databases must be migrated (`python -m shared.migrate <service>`). Schools are numbered
from --first, so a district can be filled in several runs without clashing logins.
"""

import argparse
import asyncio
import os
import sys

from datagen import generate

SERVICES = ("auth", "journal", "messaging", "reporting", "archive")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m datagen", description=__doc__)
    parser.add_argument("--schools", type=int, default=1)
    parser.add_argument("--first", type=int, default=1, help="number of the first school")
    parser.add_argument("--scale", type=float, default=1.0, help="1 = about 1,000 students")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--password-env", required=True, help="environment variable holding every password"
    )
    args = parser.parse_args(argv)
    urls = {s: os.environ.get(f"{s.upper()}_DATABASE_URL", "") for s in SERVICES}
    missing = [f"{s.upper()}_DATABASE_URL" for s, url in urls.items() if not url]
    password = os.environ.get(args.password_env, "")
    if missing or not password:
        print(f"datagen: set {', '.join(missing) or args.password_env}", file=sys.stderr)
        return 2
    generated = asyncio.run(
        generate(
            urls,
            seed=args.seed,
            scale=args.scale,
            schools=args.schools,
            first_school=args.first,
            password=password,
        )
    )
    print(f"datagen: {dict(generated.counts)} in {generated.seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
