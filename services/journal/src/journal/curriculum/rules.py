"""Pure rules of the curriculum and thematic plans: weeks and yearly hours, plan items'
checks, and how far a plan has been held."""

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

FIRST_GRADE_WEEKS = 33
WEEKS = 34
MAX_TOPIC = 500
MAX_HOURS = 200
MAX_WEEK = 53


def weeks_in_year(grade: int) -> int:
    """Teaching weeks of a class level's year: 33 in grade 1, 34 in the others (the
    federal basic programmes' norm, which school curricula are written in)."""
    return FIRST_GRADE_WEEKS if grade == 1 else WEEKS


def yearly_hours(weekly: Decimal, grade: int) -> Decimal:
    return weekly * weeks_in_year(grade)


def is_half_hour_step(weekly: Decimal) -> bool:
    """Weekly hours come in halves: 0.5 h a week is one lesson every other week."""
    return (weekly * 2) % 1 == 0


@dataclass(frozen=True)
class ItemValues:
    """What a plan item says, whichever way it came (JSON, CSV, XLSX)."""

    topic: str
    hours: int
    work_type: str | None = None
    planned_week: int | None = None
    planned_on: dt.date | None = None


@dataclass(frozen=True)
class RawItem:
    """An item as written by the client, before the school's work types and the year's
    dates are known to be right: `where` names it in an error (a field path or a line)."""

    where: dict[str, object]
    values: ItemValues


@dataclass(frozen=True)
class ItemError:
    where: dict[str, object]
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {**self.where, "reason": self.reason}


def resolve_items(
    raw: list[RawItem],
    work_type_code: Callable[[str], str | None],
    year_starts: dt.date,
    year_ends: dt.date,
) -> tuple[list[ItemValues], list[ItemError]]:
    """Items with their work types as the school's codes, and every item the school's
    data refuses: an unknown work type, a planned date outside the year."""
    items: list[ItemValues] = []
    errors: list[ItemError] = []
    for item in raw:
        values = item.values
        code: str | None = None
        if values.work_type is not None:
            code = work_type_code(values.work_type)
            if code is None:
                errors.append(ItemError(item.where, f"Unknown work type {values.work_type!r}."))
        if values.planned_on is not None and not year_starts <= values.planned_on <= year_ends:
            errors.append(
                ItemError(
                    item.where,
                    f"The planned date {values.planned_on.isoformat()} is outside the year "
                    f"({year_starts.isoformat()} – {year_ends.isoformat()}).",
                )
            )
        items.append(
            ItemValues(values.topic, values.hours, code, values.planned_week, values.planned_on)
        )
    return items, errors


def held_counts(
    item_ids: Iterable[uuid.UUID], linked_item_ids: Iterable[uuid.UUID | None]
) -> dict[uuid.UUID, int]:
    """How many lessons were held on each of the plan's items, from the plan item ids the
    lessons' topics link to (lessons of other plans and unlinked ones count nowhere)."""
    counts = Counter(i for i in linked_item_ids if i is not None)
    return {item_id: counts.get(item_id, 0) for item_id in item_ids}
