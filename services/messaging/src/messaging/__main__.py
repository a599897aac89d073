"""`python -m messaging api|relay|consume`: messaging as one kind of process (shared.process)."""

from messaging.consumers import subscriptions
from messaging.settings import Settings
from shared.process import ServiceProcesses, main

PROCESSES = ServiceProcesses(
    name="messaging",
    settings=Settings,
    api_factory="messaging.main:create_api_app",
    subscriptions=subscriptions,
)

if __name__ == "__main__":
    main(PROCESSES)
