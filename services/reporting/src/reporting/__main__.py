"""`python -m reporting api|relay|consume`: reporting as one kind of process (shared.process)."""

from reporting.consumers import subscriptions
from reporting.settings import Settings
from shared.process import ServiceProcesses, main

PROCESSES = ServiceProcesses(
    name="reporting",
    settings=Settings,
    api_factory="reporting.main:create_api_app",
    subscriptions=subscriptions,
)

if __name__ == "__main__":
    main(PROCESSES)
