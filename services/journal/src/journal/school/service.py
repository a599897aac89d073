"""Use cases of the school domain: applying auth's facts; the default work types."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from journal.base import Base
from journal.school.models import School, Staff, WorkType
from shared.bulk import upsert_newer
from shared.contracts.auth import SchoolRegistered, StaffAccountCreated
from shared.contracts.journal import WorkTypeChanged
from shared.errors import NotFound
from shared.outbox import add_event


@dataclass(frozen=True)
class DefaultWorkType:
    code: str
    name: str
    weight: int


# A new school starts with these; the school may change the weights (DESIGN.md §7).
DEFAULT_WORK_TYPES = (
    DefaultWorkType("answer", "Ответ на уроке", 1),
    DefaultWorkType("homework", "Домашняя работа", 1),
    DefaultWorkType("independent", "Самостоятельная работа", 2),
    DefaultWorkType("test", "Проверочная работа", 2),
    DefaultWorkType("control", "Контрольная работа", 3),
)


def _school_of(event: SchoolRegistered | StaffAccountCreated) -> uuid.UUID:
    if event.school_id is None:
        # Not retryable; the bus dead-letters it after its delivery limit.
        raise ValueError(f"{event.routing_key} {event.event_id} carries no school id")
    return event.school_id


async def register_school(session: AsyncSession, event: SchoolRegistered) -> None:
    """Create or refresh the school and give it the default work types it lacks."""
    school_id = _school_of(event)
    statement = insert(School).values(
        id=school_id, name=event.name, timezone=event.timezone, version=event.version
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[School.id],
            set_={
                "name": statement.excluded.name,
                "timezone": statement.excluded.timezone,
                "version": statement.excluded.version,
            },
            where=School.version < statement.excluded.version,
        )
    )
    # DO NOTHING keeps weights the school has changed since. The types added are
    # announced like any other change, so a projection of weights holds all of them.
    added = await session.execute(
        insert(WorkType)
        .values(
            [
                {
                    "id": uuid.uuid4(),
                    "school_id": school_id,
                    "code": w.code,
                    "name": w.name,
                    "weight": w.weight,
                }
                for w in DEFAULT_WORK_TYPES
            ]
        )
        .on_conflict_do_nothing(index_elements=[WorkType.school_id, WorkType.code])
        .returning(WorkType)
    )
    for work_type in added.scalars():
        await add_event(session, work_type_changed(work_type))


async def record_staff(session: AsyncSession, events: Sequence[StaffAccountCreated]) -> None:
    """Create or refresh staff members, in one statement; an older version never
    overwrites a newer one."""
    await upsert_newer(
        session,
        Base.metadata.tables[Staff.__tablename__],
        ["account_id"],
        [
            {
                "account_id": event.account_id,
                "school_id": _school_of(event),
                "last_name": event.last_name,
                "first_name": event.first_name,
                "middle_name": event.middle_name,
                "roles": list(event.roles),
                "version": event.version,
            }
            for event in events
        ],
    )


def work_type_changed(work_type: WorkType) -> WorkTypeChanged:
    return WorkTypeChanged(
        school_id=work_type.school_id,
        version=work_type.version,
        work_type_id=work_type.id,
        code=work_type.code,
        name=work_type.name,
        weight=work_type.weight,
        active=work_type.active,
    )


async def work_type_by_code(session: AsyncSession, school_id: uuid.UUID, code: str) -> WorkType:
    """The school's work type with this code; NotFound when the school has none such."""
    work_type = await session.scalar(
        select(WorkType).where(WorkType.school_id == school_id, WorkType.code == code)
    )
    if work_type is None:
        raise NotFound("work type")
    return work_type


async def staff_member(session: AsyncSession, school_id: uuid.UUID, account_id: uuid.UUID) -> Staff:
    """A staff member of this school; NotFound for unknown ids and other schools' staff."""
    staff = await session.get(Staff, account_id)
    if staff is None or staff.school_id != school_id:
        raise NotFound("staff member")
    return staff
