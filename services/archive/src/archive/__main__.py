"""`python -m archive api|relay|consume`: archive as one kind of process (shared.process)."""

from archive.consumers import subscriptions
from archive.settings import Settings
from shared.process import ServiceProcesses, main

PROCESSES = ServiceProcesses(
    name="archive",
    settings=Settings,
    api_factory="archive.main:create_api_app",
    subscriptions=subscriptions,
)

if __name__ == "__main__":
    main(PROCESSES)
