"""Pure rules of the reports (no database): the suggested period mark, a student's result
in a subject, and the period indicators of DESIGN.md §7. Documented in the service's
README ("Formulas").
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Final

from reporting.averages import CENTS, weighted_average, weighted_average_of

TENTHS: Final = Decimal("0.1")
NOT_ATTESTED: Final = "н/а"
EXEMPT: Final = "осв"
PASSED: Final = "зч"

# The fractional part of the average from which the suggested mark goes up (as journal).
ROUNDING_RULES: Final[dict[str, Decimal]] = {
    "from_0_50": Decimal("0.50"),
    "from_0_60": Decimal("0.60"),
    "from_0_65": Decimal("0.65"),
}
DEFAULT_RULE: Final = "from_0_50"
DEFAULT_MIN_MARKS: Final = 3
DEFAULT_LATE_ENTRY_DAYS: Final = 7
# The class levels graded by halves (the rest by quarters), as journal's default.
DEFAULT_HALF_YEAR_GRADES: Final = (10, 11)
# The class levels taught without marks (безотметочное обучение), as journal's default: they
# are left out of every mark-based figure (indicators, too few marks, finals).
DEFAULT_UNMARKED_GRADES: Final = (1,)

Result = int | str
"""A student's result in a subject for a period: a mark 1-5 or н/а / осв / зч."""


def suggest_period_mark(average: Decimal, rule: str) -> int:
    """The mark the school's rounding rule suggests for a weighted average (as shown, two
    places), exactly as journal suggests it."""
    shown = average.quantize(CENTS, rounding=ROUND_HALF_UP)
    whole = shown.to_integral_value(rounding=ROUND_FLOOR)
    mark = int(whole) + (1 if shown - whole >= ROUNDING_RULES[rule] else 0)
    return max(1, min(mark, 5))


def final_value(text: str) -> Result:
    """A stored final mark ('5', 'н/а') as a result."""
    return int(text) if text.isdigit() else text


@dataclass(frozen=True)
class StudentResult:
    """A student's result in a subject: the final mark if set, else what the marks
    suggest (н/а below the school's minimum), None with no mark at all."""

    result: Result | None
    average: Decimal | None
    marks_count: int
    from_final: bool


def student_result(
    final: str | None, marks: Iterable[tuple[int, int]], rule: str, min_marks: int
) -> StudentResult:
    """`marks`: (value, weight) of the period's marks in the subject."""
    pairs = list(marks)
    average = weighted_average_of(pairs)
    if final is not None:
        return StudentResult(final_value(final), average, len(pairs), True)
    if average is None:
        return StudentResult(None, None, 0, False)
    if len(pairs) < min_marks:
        return StudentResult(NOT_ATTESTED, average, len(pairs), False)
    return StudentResult(suggest_period_mark(average, rule), average, len(pairs), False)


def student_result_of_sums(
    final: str | None, weighted_sum: int, weight_sum: int, count: int, rule: str, min_marks: int
) -> StudentResult:
    """`student_result` from the sums of the marks (Σ value × weight, Σ weight, how many),
    as one aggregate query gives them."""
    average = weighted_average(weighted_sum, weight_sum)
    if final is not None:
        return StudentResult(final_value(final), average, count, True)
    if average is None:
        return StudentResult(None, None, 0, False)
    if count < min_marks:
        return StudentResult(NOT_ATTESTED, average, count, False)
    return StudentResult(suggest_period_mark(average, rule), average, count, False)


def differs(final: str | None, average: Decimal | None, rule: str) -> bool:
    """A numeric final mark other than the one the weighted average suggests (the
    objectivity check of the quarter's end)."""
    if final is None or not final.isdigit() or average is None:
        return False
    return int(final) != suggest_period_mark(average, rule)


def _percent(part: int, whole: int) -> float | None:
    if whole == 0:
        return None
    return float((Decimal(100 * part) / Decimal(whole)).quantize(TENTHS, rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Counts:
    """How many results of each kind a group holds (1s count with the 2s)."""

    n5: int = 0
    n4: int = 0
    n3: int = 0
    n2: int = 0
    n_na: int = 0
    n_exempt: int = 0
    n_passed: int = 0
    marks_sum: int = 0  # Σ of the numeric results, for the mean

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(*(getattr(self, f) + getattr(other, f) for f in self.__dataclass_fields__))

    @property
    def attested(self) -> int:
        """N: the students counted (exempt, passed and those with no marks left out)."""
        return self.n5 + self.n4 + self.n3 + self.n2 + self.n_na


def count_results(results: Iterable[Result | None]) -> Counts:
    n = {"n5": 0, "n4": 0, "n3": 0, "n2": 0, "n_na": 0, "n_exempt": 0, "n_passed": 0}
    total = 0
    for result in results:
        if result is None:
            continue
        if isinstance(result, int):
            n[f"n{max(result, 2)}"] += 1
            total += result
        elif result == NOT_ATTESTED:
            n["n_na"] += 1
        elif result == EXEMPT:
            n["n_exempt"] += 1
        elif result == PASSED:
            n["n_passed"] += 1
    return Counts(**n, marks_sum=total)


@dataclass(frozen=True)
class Indicators:
    """The period indicators of a group, over N = Counts.attested (DESIGN.md §7)."""

    n5: int
    n4: int
    n3: int
    n2: int
    n_na: int
    n_exempt: int
    n_passed: int
    students_counted: int
    progress_rate: float | None  # успеваемость, %
    quality_rate: float | None  # качество знаний, %
    learning_degree: float | None  # СОУ, %
    mean_mark: float | None  # средний балл


def indicators(counts: Counts) -> Indicators:
    n = counts.attested
    numeric = counts.n5 + counts.n4 + counts.n3 + counts.n2
    sou = (
        None
        if n == 0
        else float(
            (
                Decimal(
                    100 * counts.n5
                    + 64 * counts.n4
                    + 36 * counts.n3
                    + 16 * counts.n2
                    + 7 * counts.n_na
                )
                / Decimal(n)
            ).quantize(TENTHS, rounding=ROUND_HALF_UP)
        )
    )
    mean = (
        None
        if numeric == 0
        else float((Decimal(counts.marks_sum) / Decimal(numeric)).quantize(CENTS, ROUND_HALF_UP))
    )
    return Indicators(
        n5=counts.n5,
        n4=counts.n4,
        n3=counts.n3,
        n2=counts.n2,
        n_na=counts.n_na,
        n_exempt=counts.n_exempt,
        n_passed=counts.n_passed,
        students_counted=n,
        progress_rate=_percent(counts.n5 + counts.n4 + counts.n3, n),
        quality_rate=_percent(counts.n5 + counts.n4, n),
        learning_degree=sou,
        mean_mark=mean,
    )
