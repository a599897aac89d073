"""`python -m auth api|relay|consume`: auth as one kind of process (shared.process);
`python -m auth service-client add|list|disable`: the service clients (operators);
`python -m auth keys rotate|list`: the token signing keys (operators)."""

import sys

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
    if sys.argv[1:2] == ["service-client"]:
        from auth.service_client_command import main as service_client_main

        raise SystemExit(service_client_main(sys.argv[2:]))
    if sys.argv[1:2] == ["keys"]:
        from auth.keys_command import main as keys_main

        raise SystemExit(keys_main(sys.argv[2:]))
    main(PROCESSES)
