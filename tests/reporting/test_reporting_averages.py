"""The weighted average: Σ(mark × weight) / Σ(weight), rounded half up to 2 places."""

from decimal import Decimal

from reporting.averages import weighted_average, weighted_average_of


def test_weights_pull_the_average_towards_heavier_work() -> None:
    # An answer 5 (weight 1), a test 4 (weight 2), a control work 3 (weight 3): 22 / 6.
    assert weighted_average_of([(5, 1), (4, 2), (3, 3)]) == Decimal("3.67")


def test_equal_weights_give_the_plain_mean() -> None:
    assert weighted_average_of([(5, 1), (4, 1), (4, 1)]) == Decimal("4.33")
    assert weighted_average_of([(3, 2), (5, 2)]) == Decimal("4.00")


def test_a_half_cent_is_rounded_up_not_to_even() -> None:
    # 33 / 8 = 4.125 exactly: half up gives 4.13 (banker's rounding would give 4.12).
    assert weighted_average_of([(4, 7), (5, 1)]) == Decimal("4.13")
    # 2.625 → 2.63 (banker's: 2.62).
    assert weighted_average(21, 8) == Decimal("2.63")


def test_no_marks_have_no_average() -> None:
    assert weighted_average_of([]) is None
    assert weighted_average(0, 0) is None


def test_a_single_mark_is_its_own_average() -> None:
    assert weighted_average_of([(2, 3)]) == Decimal("2.00")
