"""The directory's handlers, merged into messaging's one subscription (messaging.consumers)."""

from messaging.directory import service
from shared.contracts.auth import StaffAccountCreated
from shared.contracts.journal import (
    AssignmentMade,
    ClassOpened,
    GuardianLinked,
    GuardianUnlinked,
    StudentEnrolledV2,
    StudentLeft,
    StudentTransferred,
)
from shared.events import Event
from shared.inbox import Batched

# Order does not matter among them (each table goes by version); they run before the
# notifications' handlers, so a batch's notices see the batch's roster.
HANDLERS: dict[type[Event], Batched] = {
    StaffAccountCreated: Batched(service.record_staff),
    ClassOpened: Batched(service.record_classes),
    StudentEnrolledV2: Batched(service.record_enrollments),
    StudentTransferred: Batched(service.record_transfers),
    StudentLeft: Batched(service.record_leavings),
    GuardianLinked: Batched(service.record_links),
    GuardianUnlinked: Batched(service.record_unlinks),
    AssignmentMade: Batched(service.record_assignments),
}
