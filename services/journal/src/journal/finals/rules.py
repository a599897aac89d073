"""Pure rules of final marks (no database): the values a final mark may hold, how they
are stored, and the year's suggestion from the period finals. The period's suggestion is
`grading.rules.suggest_from_entries` over the period's marks, like every average in
journal."""

from collections.abc import Sequence
from typing import Final, get_args

from journal.grading.rules import SPECIAL_ENTRIES, suggest_from_entries
from shared.contracts.journal import RoundingRule, SpecialEntry

FinalValue = int | SpecialEntry
"""A final mark: 1-5, or н/а (not attested), осв (exempt), зч (pass, зачтено)."""

assert set(get_args(SpecialEntry)) == set(SPECIAL_ENTRIES)
STORED: Final = frozenset({"1", "2", "3", "4", "5", *SPECIAL_ENTRIES})


def stored(value: FinalValue) -> str:
    """The column's text of a final mark ('5', 'н/а')."""
    return str(value)


def loaded(text: str | None) -> FinalValue | None:
    """A final mark from its column's text (None for none or a removed one)."""
    if text is None:
        return None
    if text.isdigit():
        return int(text)
    assert text in SPECIAL_ENTRIES, text
    return text  # type: ignore[return-value]


def suggest_year_mark(
    period_finals: Sequence[FinalValue | None], rule: RoundingRule
) -> FinalValue | None:
    """The year's mark suggested from the final marks of the year's periods, in order.

    Nothing until every period has its final mark. The numeric ones are averaged (each
    period weighing the same, н/а, осв and зч left out, as in every average) and rounded
    by the school's rule, like a period's average; with no numeric one, the entry all the
    periods share (осв throughout suggests осв), else nothing: the teacher decides."""
    if not period_finals or any(value is None for value in period_finals):
        return None
    numeric = [value for value in period_finals if isinstance(value, int)]
    if numeric:
        return suggest_from_entries([(value, 1) for value in numeric], rule, min_marks=1).mark
    shared = set(period_finals)
    return shared.pop() if len(shared) == 1 else None


def differs(final: FinalValue | None, suggested: FinalValue | None) -> bool:
    """A final mark set that is not the one suggested (the deputy's objectivity check)."""
    return final is not None and suggested is not None and final != suggested
