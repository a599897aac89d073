"""Every reporting table, gathered for alembic and tests: the log (event_log.py), the
projections (projections/tables.py), the report snapshots (schedules)."""

from reporting.base import Base
from reporting.event_log import LoggedEvent
from reporting.projections.tables import *  # noqa: F403
from reporting.projections.tables import __all__ as _projections
from reporting.schedules.tables import SnapshotRow

__all__ = ["Base", "LoggedEvent", "SnapshotRow", *_projections]
