"""The demo school's calendar as the tests read it, so that they pass on any day of the
year: in a holiday, in the summer, on a weekend, not only on a school day.

A test never takes "today" for a day with lessons: it asks journal for the school's years
and takes the last school day on or before today (Monday to Friday, inside a period, not a
holiday), the period holding it, and that day's week. Today is counted in the school's
zone, as journal and the web client count it."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import httpx

ZONE = ZoneInfo("Europe/Moscow")  # the demo school's (datagen.school.TIMEZONE)
# How many days before today the tests may reach for a lesson of the last school week.
LAST_WEEK = 7


def school_today() -> dt.date:
    return dt.datetime.now(ZONE).date()


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def is_school_day(year: dict[str, Any], day: dt.date) -> bool:
    """Lessons are held on `day` by the year's calendar."""
    return (
        day.weekday() < 5
        and any(_day(p["starts_on"]) <= day <= _day(p["ends_on"]) for p in year["periods"])
        and not any(_day(h["starts_on"]) <= day <= _day(h["ends_on"]) for h in year["holidays"])
    )


def last_school_day(years: list[dict[str, Any]], today: dt.date | None = None) -> dt.date:
    """The last school day on or before `today` (default: today in the school's zone) in
    any of the years (journal's `GET /years` items)."""
    today = today or school_today()
    found: list[dt.date] = []
    for year in years:
        if not year["periods"]:
            continue
        first = min(_day(p["starts_on"]) for p in year["periods"])
        day = min(today, max(_day(p["ends_on"]) for p in year["periods"]))
        while day >= first and not is_school_day(year, day):
            day -= dt.timedelta(days=1)
        if day >= first:
            found.append(day)
    assert found, f"the demo school has a school day on or before {today}"
    return max(found)


def period_holding(
    years: list[dict[str, Any]], day: dt.date, kind: str | None = None
) -> dict[str, Any]:
    """The period (of `kind`, if given) holding `day`, else the one nearest to it; of two
    holding it, the first listed (journal lists quarters before halves)."""
    periods = [p for y in years for p in y["periods"] if kind is None or p["kind"] == kind]
    assert periods, "the demo school has periods"

    def distance(period: dict[str, Any]) -> int:
        first, last = _day(period["starts_on"]), _day(period["ends_on"])
        return 0 if first <= day <= last else min(abs((day - first).days), abs((day - last).days))

    return dict(min(periods, key=distance))


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def years_of(http: httpx.Client, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = http.get("/api/journal/years", headers=headers)
    response.raise_for_status()
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def last_school_week(http: httpx.Client, headers: dict[str, str], child: str) -> dict[str, Any]:
    """The child's diary (journal's `GET /diary`) for the fortnight up to the last school
    day: its week alone may be a single Monday before a holiday, with no lesson of a
    subject."""
    last = last_school_day(years_of(http, headers))
    response = http.get(
        f"/api/journal/diary/{child}",
        params={"from": (last - dt.timedelta(days=13)).isoformat(), "to": last.isoformat()},
        headers=headers,
    )
    response.raise_for_status()
    diary: dict[str, Any] = response.json()
    return diary


def keep_the_last_lessons_open(http: httpx.Client, deputy_headers: dict[str, str]) -> None:
    """Let teachers still write to the last school week's lessons.

    After `lock_after_days` (a fortnight by default) a lesson's marks are the deputy's
    alone: late in the winter holiday and all summer every lesson of the demo is locked.
    The deputy then widens the school's setting, as a school finishing its journal after
    the term would, to reach the last school week; on other days nothing is changed."""
    years = years_of(http, deputy_headers)
    needed = (school_today() - last_school_day(years)).days + LAST_WEEK
    response = http.get("/api/journal/grading-settings", headers=deputy_headers)
    response.raise_for_status()
    settings = response.json()
    if needed <= settings["lock_after_days"]:
        return
    body = {
        key: settings[key]
        for key in (
            "rounding_rule",
            "min_marks_per_period",
            "late_entry_days",
            "half_year_grades",
        )
    }
    changed = http.put(
        "/api/journal/grading-settings",
        json={**body, "lock_after_days": min(365, needed)},
        headers=deputy_headers,
    )
    changed.raise_for_status()
