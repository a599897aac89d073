"""Use cases of work types: the school's list, adding one, changing its name, weight or
whether it takes new marks (deputy or director). Every change publishes
`WorkTypeChanged` with the work type's next version: averages weigh marks by the current
weight (docs/architecture.md), so whoever computes them must learn of every change."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from journal.access import ADMINISTRATION, JOURNAL_READERS, require_role
from journal.base import add_unique
from journal.school.models import WorkType
from journal.school.schemas import WorkTypeChange, WorkTypeCreate
from journal.school.service import work_type_changed
from shared.errors import Conflict, NotFound
from shared.outbox import add_event
from shared.security import User


async def list_work_types(session: AsyncSession, user: User) -> list[WorkType]:
    """The school's work types, inactive ones included (old marks still name them)."""
    require_role(user, *JOURNAL_READERS)
    result = await session.scalars(
        select(WorkType)
        .where(WorkType.school_id == user.school_id)
        .order_by(WorkType.weight, WorkType.code)
    )
    return list(result)


async def add_work_type(session: AsyncSession, user: User, data: WorkTypeCreate) -> WorkType:
    require_role(user, *ADMINISTRATION)
    work_type = WorkType(
        school_id=user.school_id,
        code=data.code,
        name=data.name,
        weight=data.weight,
        active=True,
        version=1,
    )
    await add_unique(
        session,
        work_type,
        Conflict("work-type-exists", f"The school already has a work type {data.code}."),
    )
    await add_event(session, work_type_changed(work_type))
    return work_type


async def change_work_type(
    session: AsyncSession, user: User, code: str, data: WorkTypeChange
) -> WorkType:
    """Rename, reweigh, deactivate or reactivate a work type; no change, no new version."""
    require_role(user, *ADMINISTRATION)
    wanted = data.model_dump(exclude_unset=True)
    deactivating = wanted.get("active") is False
    # A deactivation counts the school's active types, so it locks them all, in one order
    # (two deactivations at once then queue instead of deadlocking); any other change
    # locks only its own row.
    locked = await session.scalars(
        select(WorkType)
        .where(
            WorkType.school_id == user.school_id,
            WorkType.active if deactivating else WorkType.code == code,
        )
        .order_by(WorkType.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    rows = list(locked)
    work_type = next((w for w in rows if w.code == code), None)
    if work_type is None and deactivating:
        work_type = await session.scalar(
            select(WorkType).where(WorkType.school_id == user.school_id, WorkType.code == code)
        )
    if work_type is None:
        raise NotFound("work type")
    if all(getattr(work_type, name) == value for name, value in wanted.items()):
        return work_type
    if deactivating and work_type.active and len(rows) <= 1:
        raise Conflict(
            "last-active-work-type",
            f"{work_type.code} is the school's last active work type: marks need one.",
        )
    for name, value in wanted.items():
        setattr(work_type, name, value)
    work_type.version += 1
    await session.flush()
    await add_event(session, work_type_changed(work_type))
    return work_type
