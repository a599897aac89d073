"""`python -m reporting schedule [--today YYYY-MM-DD]`: produce every report due (run
daily, e.g. a Kubernetes CronJob; any number of runs produce each report once)."""

import argparse
import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime

from reporting.schedules.produce import run_schedule
from reporting.settings import Settings
from shared.db import Database
from shared.logging import configure_logging

log = logging.getLogger(__name__)


async def schedule(settings: Settings, argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m reporting schedule")
    parser.add_argument("--today", type=date.fromisoformat, default=None)
    args = parser.parse_args(argv)
    configure_logging(settings.log_level)
    today = args.today or datetime.now(UTC).date()
    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            made = await run_schedule(session, today)
        log.info("reports produced", extra={"reports": len(made), "today": str(today)})
        return len(made)
    finally:
        await db.dispose()
