"""The calendar's pure rules: what a consistent year is, and which period a day is in."""

from datetime import date

from calendar_samples import YEAR_2026

from journal.calendar.rules import (
    Calendar,
    HolidayDates,
    PeriodDates,
    calendar_errors,
    holiday_on,
    period_for,
    period_kind_for,
    year_name,
)


def sample(**changes: object) -> Calendar:
    periods = [
        PeriodDates(
            p["kind"],
            p["number"],
            date.fromisoformat(p["starts_on"]),
            date.fromisoformat(p["ends_on"]),
        )
        for p in YEAR_2026["periods"]
    ]
    holidays = [
        HolidayDates(
            h["name"],
            date.fromisoformat(h["starts_on"]),
            date.fromisoformat(h.get("ends_on", h["starts_on"])),
        )
        for h in YEAR_2026["holidays"]
    ]
    fields: dict[str, object] = {
        "starts_on": date(2026, 9, 1),
        "ends_on": date(2027, 5, 31),
        "periods": periods,
        "holidays": holidays,
    }
    fields.update(changes)
    return Calendar(**fields)  # type: ignore[arg-type]


def errors_of(calendar: Calendar) -> list[tuple[tuple[str | int, ...], str]]:
    return [(e.loc, e.type) for e in calendar_errors(calendar)]


def test_a_year_with_quarters_halves_and_holidays_is_consistent() -> None:
    assert calendar_errors(sample()) == []


def test_a_year_without_periods_yet_is_consistent() -> None:
    assert calendar_errors(sample(periods=[], holidays=[])) == []


def test_a_year_ending_before_it_starts_or_lasting_over_366_days_is_refused() -> None:
    assert errors_of(sample(ends_on=date(2026, 8, 1), periods=[], holidays=[])) == [
        (("ends_on",), "date_order")
    ]
    assert errors_of(sample(ends_on=date(2027, 9, 2), periods=[], holidays=[])) == [
        (("ends_on",), "year_too_long")
    ]


def test_every_bad_period_and_holiday_is_named() -> None:
    periods = list(sample().periods)
    periods[0] = PeriodDates("quarter", 1, date(2026, 8, 25), date(2026, 10, 25))  # before
    periods[3] = PeriodDates("quarter", 4, date(2027, 3, 31), date(2027, 6, 5))  # after
    periods[5] = PeriodDates("half", 2, date(2027, 5, 31), date(2027, 1, 12))  # reversed
    holidays = list(sample().holidays)
    holidays[2] = HolidayDates("День", date(2027, 6, 12), date(2027, 6, 12))  # outside

    assert errors_of(sample(periods=periods, holidays=holidays)) == [
        (("holidays", 2, "starts_on"), "outside_year"),
        (("holidays", 2, "ends_on"), "outside_year"),
        (("periods", 0, "starts_on"), "outside_year"),
        (("periods", 3, "ends_on"), "outside_year"),
        (("periods", 5, "ends_on"), "date_order"),
    ]


def test_overlapping_periods_of_a_kind_are_refused_but_quarters_may_overlap_halves() -> None:
    periods = list(sample().periods)
    periods[1] = PeriodDates("quarter", 2, date(2026, 10, 20), date(2026, 12, 28))

    assert errors_of(sample(periods=periods)) == [(("periods", 1, "starts_on"), "overlap")]


def test_periods_must_be_numbered_each_once_and_complete() -> None:
    periods = list(sample().periods)
    periods[2] = PeriodDates("quarter", 2, date(2027, 1, 12), date(2027, 3, 21))

    assert errors_of(sample(periods=periods)) == [
        (("periods", 2, "number"), "period_number"),
        (("periods",), "period_missing"),
    ]
    halves_only_one = [p for p in sample().periods if (p.kind, p.number) != ("half", 2)]
    assert errors_of(sample(periods=halves_only_one)) == [(("periods",), "period_missing")]
    five = [*sample().periods, PeriodDates("half", 3, date(2027, 5, 1), date(2027, 5, 31))]
    assert (("periods", 6, "number"), "period_number") in errors_of(sample(periods=five))


def test_days_in_no_period_and_no_holiday_are_named() -> None:
    holidays = [h for h in sample().holidays if h.name != "Осенние каникулы"]

    errors = calendar_errors(sample(holidays=holidays))

    assert [(e.loc, e.type, e.msg) for e in errors] == [
        (("periods",), "not_covered", "2026-10-26 – 2026-11-04 is in no quarter and no holiday.")
    ]


def test_overlapping_holidays_are_refused() -> None:
    holidays = [*sample().holidays, HolidayDates("Новый год", date(2027, 1, 1), date(2027, 1, 8))]

    assert errors_of(sample(holidays=holidays)) == [(("holidays", 4, "starts_on"), "overlap")]


def test_quarters_for_grades_one_to_nine_and_halves_for_ten_and_eleven_by_default() -> None:
    assert [period_kind_for(g, (10, 11)) for g in (1, 9, 10, 11)] == [
        "quarter",
        "quarter",
        "half",
        "half",
    ]
    assert period_kind_for(10, ()) == "quarter"


def test_period_for_a_day_follows_the_class_level_and_holidays_stay_in_their_period() -> None:
    calendar = sample()

    def number(kind: str, day: date) -> int | None:
        found = period_for(calendar.periods, kind, day)  # type: ignore[arg-type]
        return found.number if found else None

    assert number("quarter", date(2026, 9, 1)) == 1
    assert number("quarter", date(2026, 10, 30)) is None  # autumn holidays
    assert number("half", date(2026, 10, 30)) == 1
    assert number("quarter", date(2027, 2, 23)) == 3  # a day off inside the quarter
    assert number("quarter", date(2027, 6, 1)) is None
    assert holiday_on(calendar.holidays, date(2027, 2, 23)) == calendar.holidays[2]
    assert holiday_on(calendar.holidays, date(2027, 2, 24)) is None


def test_a_year_is_named_by_its_calendar_years() -> None:
    assert year_name(date(2026, 9, 1), date(2027, 5, 31)) == "2026/27"
    assert year_name(date(2099, 9, 1), date(2100, 5, 31)) == "2099/00"
    assert year_name(date(2027, 1, 10), date(2027, 12, 20)) == "2027"
