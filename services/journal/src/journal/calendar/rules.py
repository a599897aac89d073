"""Pure rules of the school calendar (no database): what a consistent year is, and which
period a day of a class level falls in."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from typing import Final, Protocol, TypeVar

from shared.contracts.journal import PeriodKind

PERIODS_PER_KIND: Final[dict[PeriodKind, int]] = {"quarter": 4, "half": 2}
MAX_YEAR_DAYS: Final = 366  # a year starting 1 September may end on 31 August


class Dated(Protocol):
    @property
    def starts_on(self) -> date: ...
    @property
    def ends_on(self) -> date: ...


class PeriodLike(Dated, Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def number(self) -> int: ...


@dataclass(frozen=True)
class PeriodDates:
    kind: PeriodKind
    number: int
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class HolidayDates:
    name: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class Calendar:
    """A year's dates, periods and holidays as the deputy wants them."""

    starts_on: date
    ends_on: date
    periods: Sequence[PeriodDates]
    holidays: Sequence[HolidayDates]


@dataclass(frozen=True)
class FieldError:
    """One thing wrong with a request, where it is (as validation errors say it)."""

    loc: tuple[str | int, ...]
    msg: str
    type: str

    def as_dict(self) -> dict[str, object]:
        return {"loc": ["body", *self.loc], "msg": self.msg, "type": self.type}


def _days(item: Dated) -> int:
    return (item.ends_on - item.starts_on).days + 1


def _overlap(a: Dated, b: Dated) -> bool:
    return a.starts_on <= b.ends_on and b.starts_on <= a.ends_on


def _span(first: date, last: date) -> str:
    return first.isoformat() if first == last else f"{first.isoformat()} – {last.isoformat()}"


def calendar_errors(calendar: Calendar) -> list[FieldError]:
    """Everything inconsistent in a year's calendar, each error at its field; empty when
    the calendar holds: the year lasts at most 366 days; every period and holiday ends on
    or after its start and lies inside the year; the periods of a kind are numbered 1..N
    (quarters 1-4, halves 1-2), follow each other without overlapping, and together with
    the holidays cover every day of the year; holidays do not overlap each other."""
    errors: list[FieldError] = []
    year_valid = True
    if calendar.ends_on <= calendar.starts_on:
        errors.append(FieldError(("ends_on",), "The year must end after it starts.", "date_order"))
        year_valid = False
    elif (calendar.ends_on - calendar.starts_on).days >= MAX_YEAR_DAYS:
        errors.append(
            FieldError(("ends_on",), f"A year lasts at most {MAX_YEAR_DAYS} days.", "year_too_long")
        )
        year_valid = False

    def dated(where: str, index: int, item: Dated) -> bool:
        """Own dates in order and inside the year; whether the item may be used further."""
        if item.ends_on < item.starts_on:
            errors.append(
                FieldError((where, index, "ends_on"), "Must not be before starts_on.", "date_order")
            )
            return False
        ok = True
        if year_valid and not calendar.starts_on <= item.starts_on <= calendar.ends_on:
            errors.append(
                FieldError((where, index, "starts_on"), "Must lie inside the year.", "outside_year")
            )
            ok = False
        if year_valid and not calendar.starts_on <= item.ends_on <= calendar.ends_on:
            errors.append(
                FieldError((where, index, "ends_on"), "Must lie inside the year.", "outside_year")
            )
            ok = False
        return ok

    usable_holidays: list[HolidayDates] = []
    for index, holiday in enumerate(calendar.holidays):
        if not dated("holidays", index, holiday):
            continue
        for earlier_index, earlier in enumerate(calendar.holidays[:index]):
            if earlier.ends_on >= earlier.starts_on and _overlap(holiday, earlier):
                errors.append(
                    FieldError(
                        ("holidays", index, "starts_on"),
                        f"Overlaps holiday {earlier_index} ({earlier.name}).",
                        "overlap",
                    )
                )
                break
        else:
            usable_holidays.append(holiday)

    for kind, count in PERIODS_PER_KIND.items():
        listed = [(i, p) for i, p in enumerate(calendar.periods) if p.kind == kind]
        if not listed:
            continue  # this kind is not defined for the year (yet)
        kind_valid = year_valid
        by_number: dict[int, tuple[int, PeriodDates]] = {}
        for index, period in listed:
            if not 1 <= period.number <= count:
                errors.append(
                    FieldError(
                        ("periods", index, "number"),
                        f"A {kind} is numbered 1 to {count}.",
                        "period_number",
                    )
                )
                kind_valid = False
            elif period.number in by_number:
                errors.append(
                    FieldError(
                        ("periods", index, "number"),
                        f"{kind.capitalize()} {period.number} is listed twice.",
                        "period_number",
                    )
                )
                kind_valid = False
            else:
                by_number[period.number] = (index, period)
            if not dated("periods", index, period):
                kind_valid = False
        missing = [n for n in range(1, count + 1) if n not in by_number]
        if missing:
            numbers = ", ".join(str(n) for n in missing)
            errors.append(
                FieldError(
                    ("periods",),
                    f"A year with {kind}s needs all {count}: {kind} {numbers} missing.",
                    "period_missing",
                )
            )
            kind_valid = False
        ordered = [by_number[n] for n in sorted(by_number)]
        for (_, previous), (index, period) in pairwise(ordered):
            if period.ends_on >= period.starts_on and period.starts_on <= previous.ends_on:
                errors.append(
                    FieldError(
                        ("periods", index, "starts_on"),
                        f"Must be after {kind} {previous.number} ends ({previous.ends_on}).",
                        "overlap",
                    )
                )
                kind_valid = False
        if kind_valid:
            for first, last in uncovered_days(calendar, [p for _, p in ordered], usable_holidays):
                errors.append(
                    FieldError(
                        ("periods",),
                        f"{_span(first, last)} is in no {kind} and no holiday.",
                        "not_covered",
                    )
                )
    return errors


def uncovered_days(
    calendar: Calendar, periods: Iterable[Dated], holidays: Iterable[Dated]
) -> list[tuple[date, date]]:
    """The stretches of the year (first and last day) in none of `periods` or `holidays`."""
    covered: set[date] = set()
    for item in (*periods, *holidays):
        covered.update(item.starts_on + timedelta(days=n) for n in range(_days(item)))
    gaps: list[tuple[date, date]] = []
    day = calendar.starts_on
    while day <= calendar.ends_on:
        if day not in covered:
            first = day
            while day + timedelta(days=1) <= calendar.ends_on and (
                day + timedelta(days=1) not in covered
            ):
                day += timedelta(days=1)
            gaps.append((first, day))
        day += timedelta(days=1)
    return gaps


def period_kind_for(grade: int, half_year_grades: Iterable[int]) -> PeriodKind:
    """Quarters or halves for a class level, by the school's setting."""
    return "half" if grade in set(half_year_grades) else "quarter"


P = TypeVar("P", bound=PeriodLike)


def period_for(periods: Iterable[P], kind: PeriodKind, day: date) -> P | None:
    """The period of `kind` containing `day` (a holiday inside a period belongs to it)."""
    for period in periods:
        if period.kind == kind and period.starts_on <= day <= period.ends_on:
            return period
    return None


D = TypeVar("D", bound=Dated)


def holiday_on(holidays: Iterable[D], day: date) -> D | None:
    """The holiday (or day off) `day` falls on, if any."""
    for holiday in holidays:
        if holiday.starts_on <= day <= holiday.ends_on:
            return holiday
    return None


def year_name(starts_on: date, ends_on: date) -> str:
    """How a school names a year: 2026/27 (or 2027 for a year inside one calendar year)."""
    if starts_on.year == ends_on.year:
        return str(starts_on.year)
    return f"{starts_on.year}/{ends_on.year % 100:02d}"
