"""Pure arithmetic of marks (no database): the weighted average."""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

CENTS = Decimal("0.01")


def weighted_average(weighted_sum: int, weight_sum: int) -> Decimal | None:
    """Σ(mark × weight) / Σ(weight), rounded half up to 2 places; None when nothing weighs."""
    if weight_sum <= 0:
        return None
    return (Decimal(weighted_sum) / Decimal(weight_sum)).quantize(CENTS, rounding=ROUND_HALF_UP)


def weighted_average_of(marks: Iterable[tuple[int, int]]) -> Decimal | None:
    """The weighted average of (value, weight) pairs."""
    pairs = list(marks)
    return weighted_average(sum(v * w for v, w in pairs), sum(w for _, w in pairs))
