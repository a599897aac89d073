"""`python -m reporting api|relay|consume`: reporting as one kind of process (shared.process);
`python -m reporting rebuild`: every projection rebuilt from the event log;
`python -m reporting schedule [--today YYYY-MM-DD]`: the reports due (run it daily)."""

import asyncio
import sys
from collections.abc import Sequence

from reporting.consumers import subscriptions
from reporting.settings import Settings
from shared.process import ServiceProcesses, main

PROCESSES = ServiceProcesses(
    name="reporting",
    settings=Settings,
    api_factory="reporting.main:create_api_app",
    subscriptions=subscriptions,
)


def run(argv: Sequence[str]) -> None:
    if argv[:1] == ["rebuild"]:
        from reporting.rebuild_command import rebuild

        asyncio.run(rebuild(Settings(), quiet="--quiet" in argv))
    elif argv[:1] == ["schedule"]:
        from reporting.schedule_command import schedule

        asyncio.run(schedule(Settings(), argv[1:]))
    else:
        main(PROCESSES, argv)


if __name__ == "__main__":
    run(sys.argv[1:])
