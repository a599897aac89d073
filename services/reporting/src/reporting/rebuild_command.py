"""`python -m reporting rebuild`: empty every projection and replay the event log into
them, in one transaction (the API keeps answering from the old state until it commits),
with a progress bar on the terminal."""

import logging

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from reporting.projections.rebuild import logged_count, rebuild_projections
from reporting.settings import Settings
from shared.db import Database
from shared.logging import configure_logging

log = logging.getLogger(__name__)


async def rebuild(settings: Settings, *, quiet: bool = False) -> int:
    """Rebuild the projections of the configured database; returns the events replayed."""
    configure_logging(settings.log_level)
    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            total = await logged_count(session)
            with Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                disable=quiet,
            ) as progress:
                task = progress.add_task("replaying the event log", total=total)
                replayed = await rebuild_projections(
                    session, lambda done: progress.advance(task, done)
                )
        log.info("projections rebuilt", extra={"events": replayed})
        return replayed
    finally:
        await db.dispose()
