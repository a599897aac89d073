"""Why a start cannot go on, in plain words for the person who typed `./school up`."""


class StartupProblem(Exception):
    """Printed as it is (no traceback, no JSON log line); the launcher exits with code 1."""
