"""`python -m journal api|relay|consume`: journal as one kind of process (shared.process)."""

from journal.consumers import subscriptions
from journal.idempotency import RETAINED
from journal.settings import Settings
from shared.process import ServiceProcesses, main

PROCESSES = ServiceProcesses(
    name="journal",
    settings=Settings,
    api_factory="journal.main:create_api_app",
    subscriptions=subscriptions,
    retained=[RETAINED],
)

if __name__ == "__main__":
    main(PROCESSES)
