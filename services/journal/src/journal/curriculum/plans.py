"""Use cases of thematic plans (КТП): one per teaching assignment and year, an ordered list
of items kept by the assignment's teacher and the deputy, read by them, the class teacher
and the administration. Every change is checked against the plan's version and published
whole as `journal.thematic_plan.changed.v1`."""

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from journal.access import ADMINISTRATION, TEACHING, require_role
from journal.base import add_unique
from journal.calendar.models import AcademicYear
from journal.curriculum import rules
from journal.curriculum.hours import stale_version, subject_hours, year_in_school
from journal.curriculum.models import ThematicPlan, ThematicPlanItem
from journal.curriculum.plan_file import PlanFileError, read_plan_file
from journal.curriculum.rules import ItemError, ItemValues, RawItem
from journal.curriculum.schemas import PlanIn, PlanItemAdd, PlanItemChange
from journal.lessons.models import Lesson
from journal.roster.models import SchoolClass
from journal.school.models import WorkType
from journal.teaching.models import Assignment
from journal.yearend.close import require_open_year
from shared.contracts.journal import ThematicPlanChanged
from shared.contracts.journal import ThematicPlanItem as ItemFact
from shared.errors import Conflict, Forbidden, NotFound, Problem
from shared.outbox import add_event
from shared.security import User

PLAN_WRITERS = ("deputy", *TEACHING)
PLAN_READERS = (*ADMINISTRATION, *TEACHING)
# Positions move out of the way while a plan is reordered (the unique (plan, position)
# index is checked per statement); plans hold at most 1000 items.
SHIFT = 10_000


@dataclass(frozen=True)
class Context:
    assignment: Assignment
    school_class: SchoolClass
    year: AcademicYear


@dataclass(frozen=True)
class Item:
    item_id: uuid.UUID
    values: ItemValues


@dataclass(frozen=True)
class PlanView:
    context: Context
    plan: ThematicPlan | None
    items: list[Item]
    held: dict[uuid.UUID, int]
    weekly_hours: Decimal | None

    @property
    def version(self) -> int:
        return self.plan.version if self.plan else 0

    @property
    def planned_hours(self) -> int:
        return sum(i.values.hours for i in self.items)

    @property
    def yearly_hours(self) -> Decimal | None:
        if self.weekly_hours is None:
            return None
        return rules.yearly_hours(self.weekly_hours, self.context.school_class.grade)


async def _context(
    session: AsyncSession, user: User, assignment_id: uuid.UUID, year_id: uuid.UUID
) -> Context:
    assignment = await session.get(Assignment, assignment_id)
    if assignment is None or assignment.school_id != user.school_id:
        raise NotFound("assignment")
    school_class = await session.get(SchoolClass, assignment.class_id)
    assert school_class is not None  # the foreign key holds it
    year = await year_in_school(session, user.school_id, year_id)
    return Context(assignment, school_class, year)


def _own(user: User, context: Context) -> bool:
    return user.has(*TEACHING) and context.assignment.teacher_id == user.account_id


def _leads(user: User, context: Context) -> bool:
    return user.has(*TEACHING) and context.school_class.class_teacher_id == user.account_id


def _require_reader(user: User, context: Context) -> None:
    if user.has(*ADMINISTRATION) or _own(user, context) or _leads(user, context):
        return
    # A teacher of other classes does not see this class's plans at all.
    raise NotFound("assignment")


def _require_writer(user: User, context: Context) -> None:
    if user.has("deputy") or _own(user, context):
        return
    if _leads(user, context):
        raise Forbidden("Only the assignment's teacher and the deputy change its plan.")
    raise NotFound("assignment")


async def _plan(session: AsyncSession, context: Context, *, lock: bool) -> ThematicPlan | None:
    query = select(ThematicPlan).where(
        ThematicPlan.assignment_id == context.assignment.id,
        ThematicPlan.year_id == context.year.id,
    )
    plan: ThematicPlan | None = await session.scalar(query.with_for_update() if lock else query)
    return plan


async def _items(session: AsyncSession, plan: ThematicPlan | None) -> list[Item]:
    if plan is None:
        return []
    rows = await session.scalars(
        select(ThematicPlanItem)
        .where(ThematicPlanItem.plan_id == plan.id)
        .order_by(ThematicPlanItem.position)
    )
    return [
        Item(r.id, ItemValues(r.topic, r.hours, r.work_type, r.planned_week, r.planned_on))
        for r in rows
    ]


async def plan_progress(session: AsyncSession, item_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """The plan's items with how many lessons were held on each (lessons link their topic
    to an item through `lessons.plan_item_id`); a cancelled lesson was not held."""
    if not item_ids:
        return {}
    linked = await session.scalars(
        select(Lesson.plan_item_id).where(
            Lesson.plan_item_id.in_(item_ids), Lesson.cancelled_at.is_(None)
        )
    )
    return rules.held_counts(item_ids, linked)


async def _view(session: AsyncSession, context: Context, plan: ThematicPlan | None) -> PlanView:
    items = await _items(session, plan)
    held = await plan_progress(session, [i.item_id for i in items])
    weekly = await subject_hours(
        session, context.year.id, context.school_class.grade, context.assignment.subject_id
    )
    return PlanView(context, plan, items, held, weekly)


async def read_plan(
    session: AsyncSession, user: User, assignment_id: uuid.UUID, year_id: uuid.UUID
) -> PlanView:
    require_role(user, *PLAN_READERS)
    context = await _context(session, user, assignment_id, year_id)
    _require_reader(user, context)
    return await _view(session, context, await _plan(session, context, lock=False))


async def _work_type_codes(session: AsyncSession, school_id: uuid.UUID) -> dict[str, str]:
    """The school's work types by lower-cased code and name, to their code. A deactivated
    one is still known (it takes no new marks, but a plan written before may name it, and
    editing another field of that item must not fail); for a name, an active one wins."""
    lookup: dict[str, str] = {}
    rows = await session.execute(
        select(WorkType.code, WorkType.name)
        .where(WorkType.school_id == school_id)
        .order_by(WorkType.active.desc(), WorkType.code)
    )
    for code, name in rows:
        lookup[code.lower()] = code
        lookup.setdefault(name.lower(), code)
    return lookup


async def _resolve(
    session: AsyncSession, context: Context, raw: list[RawItem]
) -> tuple[list[ItemValues], list[ItemError]]:
    codes = await _work_type_codes(session, context.assignment.school_id)
    return rules.resolve_items(
        raw, lambda ref: codes.get(ref.lower()), context.year.starts_on, context.year.ends_on
    )


def _invalid(errors: list[ItemError], detail: str, slug: str = "validation-error") -> Problem:
    return Problem(422, slug, "Invalid request", detail, errors=[e.as_dict() for e in errors])


async def _writable(
    session: AsyncSession, user: User, assignment_id: uuid.UUID, year_id: uuid.UUID
) -> Context:
    require_role(user, *PLAN_WRITERS)
    context = await _context(session, user, assignment_id, year_id)
    _require_writer(user, context)
    await require_open_year(session, context.year)
    return context


async def _store(
    session: AsyncSession,
    user: User,
    context: Context,
    expected: int | None,
    wanted: list[Item],
) -> PlanView:
    """Make the plan hold `wanted` in that order if `expected` (when given) is its version;
    the same items again change nothing and publish nothing."""
    plan = await _plan(session, context, lock=True)
    current = plan.version if plan else 0
    if expected is not None and expected != current:
        raise stale_version(current)
    held = await _items(session, plan)
    if held == wanted:
        return await _view(session, context, plan)
    if plan is None:
        plan = ThematicPlan(
            id=uuid.uuid4(),
            school_id=context.assignment.school_id,
            assignment_id=context.assignment.id,
            year_id=context.year.id,
            version=1,
            updated_by=user.account_id,
        )
        # Two first saves at once: the second finds the first's plan and is stale.
        await add_unique(session, plan, Conflict("stale-version", "It was changed meanwhile."))
    else:
        plan.version += 1
        plan.updated_by = user.account_id
        plan.updated_at = datetime.now(UTC)
    kept = {i.item_id for i in wanted}
    await session.execute(
        delete(ThematicPlanItem).where(
            ThematicPlanItem.plan_id == plan.id, ThematicPlanItem.id.not_in(kept)
        )
    )
    await session.execute(
        update(ThematicPlanItem)
        .where(ThematicPlanItem.plan_id == plan.id)
        .values(position=ThematicPlanItem.position + SHIFT)
    )
    existing = {i.item_id for i in held}
    for position, item in enumerate(wanted, start=1):
        fields = {
            "position": position,
            "topic": item.values.topic,
            "hours": item.values.hours,
            "work_type": item.values.work_type,
            "planned_week": item.values.planned_week,
            "planned_on": item.values.planned_on,
        }
        if item.item_id in existing:
            await session.execute(
                update(ThematicPlanItem).where(ThematicPlanItem.id == item.item_id).values(fields)
            )
        else:
            session.add(ThematicPlanItem(id=item.item_id, plan_id=plan.id, **fields))
    await session.flush()
    view = await _view(session, context, plan)
    await _publish(session, view)
    return view


async def _publish(session: AsyncSession, view: PlanView) -> None:
    assert view.plan is not None
    context = view.context
    await add_event(
        session,
        ThematicPlanChanged(
            school_id=context.assignment.school_id,
            version=view.plan.version,
            plan_id=view.plan.id,
            assignment_id=context.assignment.id,
            year_id=context.year.id,
            class_id=context.assignment.class_id,
            subject_id=context.assignment.subject_id,
            planned_hours=view.planned_hours,
            items=[
                ItemFact(
                    item_id=item.item_id,
                    position=position,
                    topic=item.values.topic,
                    hours=item.values.hours,
                    work_type=item.values.work_type,
                    planned_week=item.values.planned_week,
                    planned_on=item.values.planned_on,
                )
                for position, item in enumerate(view.items, start=1)
            ],
        ),
    )


async def replace_plan(
    session: AsyncSession,
    user: User,
    assignment_id: uuid.UUID,
    year_id: uuid.UUID,
    data: PlanIn,
) -> PlanView:
    """Replace the plan's whole list (items with an `item_id` of this plan keep it)."""
    context = await _writable(session, user, assignment_id, year_id)
    raw = [
        RawItem(
            {"loc": ["body", "items", index]},
            ItemValues(i.topic, i.hours, i.work_type, i.planned_week, i.planned_on),
        )
        for index, i in enumerate(data.items)
    ]
    values, errors = await _resolve(session, context, raw)
    held = {i.item_id for i in await _items(session, await _plan(session, context, lock=False))}
    seen: set[uuid.UUID] = set()
    for index, given in enumerate(data.items):
        if given.item_id is None:
            continue
        where: dict[str, object] = {"loc": ["body", "items", index, "item_id"]}
        if given.item_id not in held:
            errors.append(ItemError(where, "No such item in this plan."))
        elif given.item_id in seen:
            errors.append(ItemError(where, "The item is listed twice."))
        seen.add(given.item_id)
    if errors:
        raise _invalid(errors, "Some items of the plan are invalid; nothing was saved.")
    wanted = [
        Item(given.item_id or uuid.uuid4(), v) for given, v in zip(data.items, values, strict=True)
    ]
    return await _store(session, user, context, data.version, wanted)


async def import_plan(
    session: AsyncSession,
    user: User,
    assignment_id: uuid.UUID,
    year_id: uuid.UUID,
    content: bytes,
    version: int | None,
) -> PlanView:
    """Replace the plan with a CSV or XLSX file's items. Items keep their ids by position,
    so the same file imported again changes nothing, and a corrected topic keeps the
    lessons linked to it."""
    context = await _writable(session, user, assignment_id, year_id)
    try:
        raw = read_plan_file(content)
    except PlanFileError as exc:
        raise Problem(
            422,
            "invalid-plan-file",
            "Invalid file",
            f"{len(exc.errors)} problem(s) in the file; nothing was saved.",
            errors=[e.as_dict() for e in exc.errors],
        ) from None
    values, errors = await _resolve(session, context, raw)
    if errors:
        raise _invalid(
            errors, f"{len(errors)} problem(s) in the file; nothing was saved.", "invalid-plan-file"
        )
    held = await _items(session, await _plan(session, context, lock=False))
    wanted = [
        Item(held[index].item_id if index < len(held) else uuid.uuid4(), v)
        for index, v in enumerate(values)
    ]
    return await _store(session, user, context, version, wanted)


def _position(requested: int | None, size: int) -> int:
    """A 0-based index from a 1-based position, clamped to the list."""
    return size if requested is None else min(requested - 1, size)


async def add_item(
    session: AsyncSession,
    user: User,
    assignment_id: uuid.UUID,
    year_id: uuid.UUID,
    data: PlanItemAdd,
) -> tuple[PlanView, uuid.UUID]:
    context = await _writable(session, user, assignment_id, year_id)
    raw = RawItem(
        {"loc": ["body"]},
        ItemValues(data.topic, data.hours, data.work_type, data.planned_week, data.planned_on),
    )
    [values], errors = await _resolve(session, context, [raw])
    if errors:
        raise _invalid(errors, "The item is invalid; nothing was saved.")
    items = await _items(session, await _plan(session, context, lock=True))
    item = Item(uuid.uuid4(), values)
    items.insert(_position(data.position, len(items)), item)
    return await _store(session, user, context, data.version, items), item.item_id


async def change_item(
    session: AsyncSession,
    user: User,
    assignment_id: uuid.UUID,
    year_id: uuid.UUID,
    item_id: uuid.UUID,
    data: PlanItemChange,
) -> PlanView:
    context = await _writable(session, user, assignment_id, year_id)
    items = await _items(session, await _plan(session, context, lock=True))
    index = next((n for n, i in enumerate(items) if i.item_id == item_id), None)
    if index is None:
        raise NotFound("plan item")
    given = data.model_dump(exclude_unset=True)
    if given.get("topic", "") is None or given.get("hours", 0) is None:
        raise _invalid(
            [ItemError({"loc": ["body"]}, "The topic and the hours cannot be cleared.")],
            "The change is invalid; nothing was saved.",
        )
    values = replace(
        items[index].values,
        **{k: v for k, v in given.items() if k not in ("position", "version")},
    )
    [resolved], errors = await _resolve(session, context, [RawItem({"loc": ["body"]}, values)])
    if errors:
        raise _invalid(errors, "The change is invalid; nothing was saved.")
    item = items.pop(index)
    items.insert(
        _position(given.get("position") or index + 1, len(items)), Item(item.item_id, resolved)
    )
    return await _store(session, user, context, data.version, items)


async def remove_item(
    session: AsyncSession,
    user: User,
    assignment_id: uuid.UUID,
    year_id: uuid.UUID,
    item_id: uuid.UUID,
    version: int | None,
) -> PlanView:
    context = await _writable(session, user, assignment_id, year_id)
    items = await _items(session, await _plan(session, context, lock=True))
    remaining = [i for i in items if i.item_id != item_id]
    if len(remaining) == len(items):
        raise NotFound("plan item")
    return await _store(session, user, context, version, remaining)
