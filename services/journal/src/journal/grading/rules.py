"""Pure arithmetic of marks (no database): the weighted average and the suggested period
mark. Reporting computes its averages by the same rule (docs/architecture.md)."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Final, get_args

from shared.contracts.journal import RoundingRule

CENTS: Final = Decimal("0.01")
LOWEST_MARK: Final = 1
HIGHEST_MARK: Final = 5
# Entries of the journal that are not numbers and are left out of averages (DESIGN §7).
SPECIAL_ENTRIES: Final = ("н/а", "осв", "зч")

# The fractional part of the average from which the suggested mark goes up.
ROUNDING_RULES: Final[dict[RoundingRule, Decimal]] = {
    "from_0_50": Decimal("0.50"),  # 2.5 / 3.5 / 4.5
    "from_0_60": Decimal("0.60"),  # 2.6 / 3.6 / 4.6
    "from_0_65": Decimal("0.65"),  # favourable from .65
}
assert set(ROUNDING_RULES) == set(get_args(RoundingRule))

Entry = int | str
"""A journal entry: a mark 1-5 or one of SPECIAL_ENTRIES."""


def weighted_average(entries: Iterable[tuple[Entry, int]]) -> Decimal | None:
    """Σ(mark × weight) / Σ(weight) over the numeric entries of (entry, weight) pairs,
    rounded half up to two places (as shown, and as reporting shows it); None when no
    numeric entry weighs anything."""
    weighted_sum = weight_sum = 0
    for entry, weight in entries:
        if isinstance(entry, int) and not isinstance(entry, bool):
            weighted_sum += entry * weight
            weight_sum += weight
    if weight_sum <= 0:
        return None
    return (Decimal(weighted_sum) / Decimal(weight_sum)).quantize(CENTS, rounding=ROUND_HALF_UP)


def suggest_period_mark(average: Decimal, rule: RoundingRule) -> int:
    """The period mark the school's rounding rule suggests for a weighted average (1-5).

    The rule is applied to the average as shown (two places), so what the teacher sees
    and what is suggested never disagree: 3.4951 shows as 3.50 and suggests 4 under
    `from_0_50`."""
    shown = average.quantize(CENTS, rounding=ROUND_HALF_UP)
    if not LOWEST_MARK <= shown <= HIGHEST_MARK:
        raise ValueError(f"an average of marks lies between 1 and 5, not {shown}")
    whole = shown.to_integral_value(rounding=ROUND_FLOOR)
    mark = int(whole) + (1 if shown - whole >= ROUNDING_RULES[rule] else 0)
    return min(mark, HIGHEST_MARK)


@dataclass(frozen=True)
class Suggestion:
    """What the journal suggests beside a student for a period."""

    average: Decimal | None
    mark: int | None  # None: fewer numeric marks than the school's minimum
    marks_counted: int


def suggest_from_entries(
    entries: Iterable[tuple[Entry, int]], rule: RoundingRule, min_marks: int
) -> Suggestion:
    """The average and the suggested mark of a student's period entries; no mark is
    suggested below the school's minimum number of marks (the teacher decides, often н/а)."""
    listed = list(entries)
    counted = sum(
        1 for entry, _ in listed if isinstance(entry, int) and not isinstance(entry, bool)
    )
    average = weighted_average(listed)
    if average is None or counted < min_marks:
        return Suggestion(average, None, counted)
    return Suggestion(average, suggest_period_mark(average, rule), counted)
