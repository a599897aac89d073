"""`python -m messaging api|relay|consume`: messaging as one kind of process (shared.process).
The consume process also runs the scheduled work (digests, weekly letters, email)."""

from messaging.consumers import subscriptions
from messaging.notifications.jobs import running_jobs
from messaging.settings import Settings
from shared.process import ServiceProcesses, main

PROCESSES = ServiceProcesses(
    name="messaging",
    settings=Settings,
    api_factory="messaging.main:create_api_app",
    subscriptions=subscriptions,
    background=running_jobs,  # type: ignore[arg-type]
)

if __name__ == "__main__":
    main(PROCESSES)
