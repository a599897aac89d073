"""The arithmetic of marks: the weighted average and the suggested period mark."""

from decimal import Decimal

import pytest

from journal.grading.rules import suggest_from_entries, suggest_period_mark, weighted_average


def test_the_weighted_average_is_the_sum_of_marks_times_weights_over_the_weights() -> None:
    # 5 for a control work (3), 4 and 3 for answers (1): (15 + 4 + 3) / 5
    assert weighted_average([(5, 3), (4, 1), (3, 1)]) == Decimal("4.40")


def test_special_entries_are_left_out_of_the_average() -> None:
    assert weighted_average([(5, 1), ("н/а", 3), ("осв", 1), ("зч", 2), (4, 1)]) == Decimal("4.50")
    assert weighted_average([("осв", 1)]) is None
    assert weighted_average([]) is None


def test_the_average_is_rounded_half_up_to_two_places() -> None:
    assert weighted_average([(5, 1), (4, 1), (4, 1)]) == Decimal("4.33")
    assert weighted_average([(5, 2), (4, 1), (4, 1)]) == Decimal("4.50")
    assert weighted_average([(4, 1), (4, 1), (3, 1)]) == Decimal("3.67")


@pytest.mark.parametrize(
    ("average", "from_0_50", "from_0_60", "from_0_65"),
    [
        ("5.00", 5, 5, 5),
        ("4.64", 5, 5, 4),
        ("4.65", 5, 5, 5),
        ("4.59", 5, 4, 4),
        ("4.60", 5, 5, 4),
        ("4.50", 5, 4, 4),
        ("4.49", 4, 4, 4),
        ("3.50", 4, 3, 3),
        ("2.60", 3, 3, 2),
        ("1.00", 1, 1, 1),
    ],
)
def test_the_suggested_mark_goes_up_from_the_rules_threshold(
    average: str, from_0_50: int, from_0_60: int, from_0_65: int
) -> None:
    value = Decimal(average)
    assert suggest_period_mark(value, "from_0_50") == from_0_50
    assert suggest_period_mark(value, "from_0_60") == from_0_60
    assert suggest_period_mark(value, "from_0_65") == from_0_65


def test_the_rule_applies_to_the_average_as_shown() -> None:
    assert suggest_period_mark(Decimal("3.4951"), "from_0_50") == 4  # shown as 3.50


@pytest.mark.parametrize("average", ["0.99", "5.01", "-1"])
def test_an_average_outside_the_marks_is_a_bug(average: str) -> None:
    with pytest.raises(ValueError):
        suggest_period_mark(Decimal(average), "from_0_50")


def test_no_mark_is_suggested_below_the_schools_minimum_number_of_marks() -> None:
    two = suggest_from_entries([(5, 1), (4, 3), ("н/а", 1)], "from_0_50", min_marks=3)
    assert (two.average, two.mark, two.marks_counted) == (Decimal("4.25"), None, 2)

    three = suggest_from_entries([(5, 1), (4, 3), (5, 1)], "from_0_50", min_marks=3)
    assert (three.average, three.mark, three.marks_counted) == (Decimal("4.40"), 4, 3)
