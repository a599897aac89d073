"""A school as journal describes it in events, for reporting's tests (imported by them)."""

import uuid
from datetime import date

from reporting.consumers import subscriptions
from shared.contracts.journal import (
    AssignmentMade,
    ClassOpened,
    MarkChanged,
    MarkPosted,
    MarkRemoved,
    WorkTypeChanged,
)
from shared.db import Database
from shared.events import CloudEvent, Event
from shared.testing import TokenFactory


class School:
    """A school as journal describes it in events; `deliver` hands them to reporting."""

    def __init__(self, db: Database, tokens: TokenFactory) -> None:
        self.id = uuid.uuid4()
        self.tokens = tokens
        [self._subscription] = subscriptions(db)

    async def deliver(self, event: Event | CloudEvent) -> CloudEvent:
        """Deliver as the bus would: the envelope serialised and parsed again."""
        envelope = event if isinstance(event, CloudEvent) else event.to_cloudevent()
        envelope = CloudEvent.from_json(envelope.to_json())
        await self._subscription.handler([envelope])
        return envelope

    async def deliver_batch(self, events: list[Event | CloudEvent]) -> list[CloudEvent]:
        """Deliver several events as one batch, as the bus would."""
        envelopes = [
            CloudEvent.from_json((e if isinstance(e, CloudEvent) else e.to_cloudevent()).to_json())
            for e in events
        ]
        await self._subscription.handler(envelopes)
        return envelopes

    def class_opened(
        self,
        *,
        class_id: uuid.UUID | None = None,
        class_teacher_id: uuid.UUID | None = None,
        name: str = "5А",
        version: int = 1,
    ) -> ClassOpened:
        return ClassOpened(
            school_id=self.id,
            version=version,
            class_id=class_id or uuid.uuid4(),
            name=name,
            grade=5,
            class_teacher_id=class_teacher_id,
        )

    def assignment(
        self,
        *,
        teacher_id: uuid.UUID,
        class_id: uuid.UUID,
        subject_id: uuid.UUID,
        assignment_id: uuid.UUID | None = None,
        version: int = 1,
    ) -> AssignmentMade:
        return AssignmentMade(
            school_id=self.id,
            version=version,
            assignment_id=assignment_id or uuid.uuid4(),
            teacher_id=teacher_id,
            class_id=class_id,
            subject_id=subject_id,
            subject_name="Математика",
        )

    def mark(
        self,
        *,
        class_id: uuid.UUID,
        subject_id: uuid.UUID,
        value: int,
        weight: int = 1,
        work_type: str = "answer",
        mark_id: uuid.UUID | None = None,
        student_id: uuid.UUID | None = None,
        version: int = 1,
    ) -> MarkPosted:
        return MarkPosted(
            school_id=self.id,
            version=version,
            mark_id=mark_id or uuid.uuid4(),
            lesson_id=uuid.uuid4(),
            lesson_date=date(2026, 11, 28),
            student_id=student_id or uuid.uuid4(),
            class_id=class_id,
            subject_id=subject_id,
            subject_name="Математика",
            teacher_id=uuid.uuid4(),
            value=value,
            work_type=work_type,
            weight=weight,
        )

    def mark_changed(
        self, posted: MarkPosted, *, value: int, weight: int, version: int
    ) -> MarkChanged:
        """A correction of `posted` to `value` (and `weight`) at `version`."""
        return MarkChanged(
            school_id=self.id,
            version=version,
            **posted.model_dump(
                include={
                    "mark_id",
                    "lesson_id",
                    "lesson_date",
                    "student_id",
                    "class_id",
                    "subject_id",
                    "subject_name",
                    "teacher_id",
                    "work_type",
                }
            ),
            value=value,
            weight=weight,
            work_type_name="Ответ на уроке",
            old_value=posted.value,
            old_work_type=posted.work_type,
        )

    def mark_removed(self, posted: MarkPosted, *, version: int) -> MarkRemoved:
        """The tombstone of `posted` at `version`."""
        return MarkRemoved(
            school_id=self.id,
            version=version,
            **posted.model_dump(
                include={
                    "mark_id",
                    "lesson_id",
                    "lesson_date",
                    "student_id",
                    "class_id",
                    "subject_id",
                    "subject_name",
                    "teacher_id",
                    "value",
                    "work_type",
                    "weight",
                }
            ),
            work_type_name="Ответ на уроке",
        )

    def work_type_changed(
        self, code: str, *, weight: int, version: int, work_type_id: uuid.UUID | None = None
    ) -> WorkTypeChanged:
        """The school's work type `code` at `version`, weighing `weight`."""
        return WorkTypeChanged(
            school_id=self.id,
            version=version,
            work_type_id=work_type_id or uuid.uuid5(self.id, code),
            code=code,
            name=code.capitalize(),
            weight=weight,
            active=True,
        )

    def token(
        self, *roles: str, account_id: uuid.UUID | None = None, person_id: uuid.UUID | None = None
    ) -> dict[str, str]:
        """Authorization headers for a member of this school."""
        token = self.tokens.token(
            school_id=self.id, roles=list(roles), account_id=account_id, person_id=person_id
        )
        return {"Authorization": f"Bearer {token}"}
