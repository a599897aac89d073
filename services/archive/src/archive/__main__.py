"""`python -m archive api|relay|consume`: archive as one kind of process (shared.process);
`python -m archive seal|verify|fetch|public-key|purge`: its jobs (archive.seal_command,
archive.retention)."""

import sys

from archive.consumers import subscriptions
from archive.jobs import running_seals
from archive.settings import Settings
from shared.process import ServiceProcesses, main

PROCESSES = ServiceProcesses(
    name="archive",
    settings=Settings,
    api_factory="archive.main:create_api_app",
    subscriptions=subscriptions,
    background=running_seals,  # type: ignore[arg-type]
)

if __name__ == "__main__":
    if sys.argv[1:2] in (["seal"], ["verify"], ["fetch"], ["public-key"]):
        from archive.seal_command import main as seal_main

        raise SystemExit(seal_main(sys.argv[1:]))
    if sys.argv[1:2] == ["purge"]:
        from archive.retention import main as purge_main

        raise SystemExit(purge_main(sys.argv[2:]))
    main(PROCESSES)
