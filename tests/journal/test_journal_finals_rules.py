"""The pure rules of final marks: stored values and the year's suggestion."""

import pytest

from journal.finals.rules import FinalValue, differs, loaded, stored, suggest_year_mark


@pytest.mark.parametrize("value", [1, 2, 3, 4, 5, "н/а", "осв", "зч"])
def test_a_final_value_is_stored_as_text_and_read_back(value: FinalValue) -> None:
    assert loaded(stored(value)) == value
    assert loaded(None) is None


def test_the_year_suggests_the_mean_of_numeric_period_finals_by_the_school_rule() -> None:
    assert suggest_year_mark([5, 4, 4, 4], "from_0_50") == 4  # 4.25
    assert suggest_year_mark([5, 5, 4, 4], "from_0_50") == 5  # 4.50
    assert suggest_year_mark([5, 5, 4, 4], "from_0_60") == 4
    assert suggest_year_mark([5, "н/а", 4, "осв"], "from_0_50") == 5  # specials left out
    assert suggest_year_mark([3, 4], "from_0_65") == 3  # 3.50 halves


def test_the_year_suggests_nothing_until_every_period_has_its_final_mark() -> None:
    assert suggest_year_mark([5, 5, None, 5], "from_0_50") is None
    assert suggest_year_mark([], "from_0_50") is None


def test_periods_all_of_one_special_entry_suggest_that_entry() -> None:
    assert suggest_year_mark(["осв"] * 4, "from_0_50") == "осв"
    assert suggest_year_mark(["зч", "зч"], "from_0_50") == "зч"
    assert suggest_year_mark(["зч", "н/а"], "from_0_50") is None


def test_a_final_differs_only_when_both_are_there_and_disagree() -> None:
    assert differs(4, 5) and differs("н/а", 3)
    assert not differs(4, 4) and not differs(None, 4) and not differs(4, None)
