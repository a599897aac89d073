"""The period indicators of DESIGN.md §7 against hand-computed cases (pure rules)."""

from decimal import Decimal

from reporting.rules import count_results, indicators, student_result, suggest_period_mark


def test_a_class_of_ten_with_an_exempt_and_a_not_attested_student() -> None:
    # 2 fives, 3 fours, 2 threes, 1 two, 1 н/а, 1 осв, 1 with no marks at all (None).
    counts = count_results([5, 5, 4, 4, 4, 3, 3, 2, "н/а", "осв", None])
    result = indicators(counts)
    # N = 11 - осв - no marks = 9; н/а stays in N.
    assert result.students_counted == 9
    assert result.progress_rate == 77.8  # (2+3+2)/9 = 77.77…
    assert result.quality_rate == 55.6  # (2+3)/9 = 55.55…
    # (100·2 + 64·3 + 36·2 + 16·1 + 7·1) / 9 = 487/9 = 54.11…
    assert result.learning_degree == 54.1
    # Mean of the numeric marks: (10+12+6+2)/8 = 3.75
    assert result.mean_mark == 3.75
    assert (result.n5, result.n4, result.n3, result.n2, result.n_na, result.n_exempt) == (
        2, 3, 2, 1, 1, 1,
    )  # fmt: skip


def test_an_empty_group_has_no_rates() -> None:
    result = indicators(count_results([]))
    assert result.students_counted == 0
    assert result.progress_rate is None
    assert result.quality_rate is None
    assert result.learning_degree is None
    assert result.mean_mark is None


def test_a_group_of_only_exempt_students_counts_nobody() -> None:
    result = indicators(count_results(["осв", "осв", "зч"]))
    assert result.students_counted == 0
    assert (result.n_exempt, result.n_passed) == (2, 1)
    assert result.progress_rate is None


def test_only_not_attested_students_give_seven_percent() -> None:
    result = indicators(count_results(["н/а", "н/а"]))
    assert result.students_counted == 2
    assert (result.progress_rate, result.quality_rate, result.learning_degree) == (0.0, 0.0, 7.0)
    assert result.mean_mark is None


def test_a_one_counts_with_the_twos() -> None:
    result = indicators(count_results([1, 5]))
    assert (result.n2, result.n5) == (1, 1)
    assert result.mean_mark == 3.0
    assert result.learning_degree == 58.0  # (100 + 16) / 2


def test_roll_ups_add_the_counts_not_the_percentages() -> None:
    small = count_results([5])  # 100 % quality
    large = count_results([3, 3, 3])  # 0 % quality
    assert indicators(small + large).quality_rate == 25.0  # 1/4, not (100+0)/2


def test_the_suggested_mark_follows_the_school_rule() -> None:
    assert suggest_period_mark(Decimal("3.50"), "from_0_50") == 4
    assert suggest_period_mark(Decimal("3.50"), "from_0_60") == 3
    assert suggest_period_mark(Decimal("4.64"), "from_0_65") == 4
    assert suggest_period_mark(Decimal("4.65"), "from_0_65") == 5


def test_a_student_result_is_the_final_mark_else_the_suggestion() -> None:
    marks = [(5, 1), (4, 3), (4, 1)]  # (5 + 12 + 4) / 5 = 4.2
    assert student_result("3", marks, "from_0_50", 3).result == 3
    assert student_result("3", marks, "from_0_50", 3).from_final
    assert student_result(None, marks, "from_0_50", 3).result == 4
    assert student_result(None, marks[:2], "from_0_50", 3).result == "н/а"  # below the minimum
    assert student_result(None, [], "from_0_50", 3).result is None  # no marks: not counted
    assert student_result("осв", [], "from_0_50", 3).result == "осв"
