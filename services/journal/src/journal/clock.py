"""The journal's clock: the moment its rules are measured from (a lesson locking after the
school's `lock_after_days`, the diary's current week, the lessons held so far, the current
year). The wall clock in service; a test world stands it still at a chosen moment, so that a
test written for a week of November reads the same in any month it runs."""

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Clock = Callable[[], dt.datetime]


def wall_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


_clock: Clock = wall_clock


def now() -> dt.datetime:
    """The current moment for the journal's rules (aware, UTC)."""
    return _clock()


def today_in(timezone: str | None) -> dt.date:
    """Today in a school's time zone (UTC when the zone is missing or unknown)."""
    try:
        zone: dt.tzinfo = ZoneInfo(timezone) if timezone else dt.UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    return now().astimezone(zone).date()


@contextmanager
def standing_at(moment: dt.datetime) -> Iterator[None]:
    """The clock stands at `moment` (aware) inside the block, then runs on as before."""
    if moment.tzinfo is None:
        raise ValueError("the moment needs its time zone")
    global _clock
    before, _clock = _clock, lambda: moment
    try:
        yield
    finally:
        _clock = before
