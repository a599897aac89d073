"""`python -m auth api|relay|consume`: auth as one kind of process (shared.process)."""

from auth.consumers import subscriptions
from auth.settings import Settings
from shared.process import ServiceProcesses, main

PROCESSES = ServiceProcesses(
    name="auth",
    settings=Settings,
    api_factory="auth.main:create_api_app",
    subscriptions=subscriptions,
)

if __name__ == "__main__":
    main(PROCESSES)
