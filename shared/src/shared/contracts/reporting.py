"""Events published by reporting: what it tells the people a report or a check concerns.

Kept minimal (reporting defines what it produces): recipients are account ids chosen by
reporting (the deputy for a quarter-end check's summary, each teacher for their own
findings); no names, no figures. Messaging notifies each recipient once per version."""

import uuid
from typing import ClassVar

from shared.events import Event


class ReportReady(Event):
    """A report snapshot was generated (`kind`: e.g. `quarter_progress`, `activity`)."""

    routing_key: ClassVar[str] = "reporting.report.ready.v1"
    aggregate: ClassVar[str] = "report"

    report_id: uuid.UUID
    kind: str
    period_id: uuid.UUID | None = None
    recipients: list[uuid.UUID]
    title: str

    def aggregate_id(self) -> str:
        return str(self.report_id)


class CheckCompleted(Event):
    """Quarter-end check results were published; each recipient's findings are theirs
    (one event per recipient group: the deputy's summary, a teacher's own findings)."""

    routing_key: ClassVar[str] = "reporting.check.completed.v1"
    aggregate: ClassVar[str] = "check"

    report_id: uuid.UUID
    kind: str
    period_id: uuid.UUID | None = None
    recipients: list[uuid.UUID]
    title: str

    def aggregate_id(self) -> str:
        return str(self.report_id)


EVENTS: tuple[type[Event], ...] = (ReportReady, CheckCompleted)
