"""The curriculum's pure rules: teaching weeks, yearly hours, lessons held per plan item."""

import uuid
from decimal import Decimal

import pytest

from journal.curriculum import rules


@pytest.mark.parametrize(("grade", "weeks"), [(1, 33), (2, 34), (5, 34), (11, 34)])
def test_grade_one_has_33_teaching_weeks_the_others_34(grade: int, weeks: int) -> None:
    assert rules.weeks_in_year(grade) == weeks


def test_yearly_hours_are_weekly_hours_times_the_weeks() -> None:
    assert rules.yearly_hours(Decimal("0.5"), 1) == Decimal("16.5")
    assert rules.yearly_hours(Decimal(5), 5) == 170


def test_lessons_held_are_counted_per_item_of_the_plan_only() -> None:
    first, second, elsewhere = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    held = rules.held_counts([first, second], [first, None, elsewhere, first])

    assert held == {first: 2, second: 0}
