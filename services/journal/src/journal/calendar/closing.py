"""The closing guard: no dated change of the journal lands inside a closed period.

Every write that belongs to a day of a class (a mark posted, changed or removed, an
attendance cell set or cleared, a lesson created or edited, homework, final marks...)
asks one question before it writes: is that day inside a closed period of the class (a
quarter or a half, by its grade and the school's `half_year_grades`) or inside a closed
academic year? If so it is refused with 409 `period-closed`, whoever the caller is: the
deputy reopens the period first (POST /periods/{id}/reopen).

The answer is computed by one SQL function, `journal_closed_on(school, class, day,
default_half_grades)` (migration 0009_period_closing), so the ORM paths and the prebuilt
statements of the hot paths ask the same thing the same way:

- ORM paths call `require_open(session, school_id, class_id, day)` before they write;
- prebuilt statements (journal.driver) call `journal_require_open(...)` in their own
  statement (one round trip; see below), bind `half_grades()` to its last argument, and
  get the same 409:
  the driver turns the function's error (SQLSTATE `JC409`) into the problem.

Why it cannot race a closing: the function takes the school's closing lock in shared
mode until the writing transaction ends, and a closing takes it exclusively
(`hold_writes`) before it looks at the period. A write that passed the check commits
before a period can close; one that arrives during a closing waits for it and then sees
the period closed (the function reads with a fresh snapshot). A shared lock lives in
the lock manager only: no row is locked or written, and without closed periods the
lookups are two probes of empty partial indexes.
"""

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from journal.grading.service import DEFAULT_SETTINGS
from shared.errors import Problem

SQLSTATE = "JC409"  # raised by journal_require_open (migration 0009_period_closing)
LOCK_CLASS = 7245100  # the advisory lock's first key; the second is hashtext(school id)

PERIOD_NAMES: dict[str, str] = {"quarter": "четверть", "half": "полугодие"}


# For prebuilt statements, written out in each (e.g. marks.service.POST_SQL):
#   WITH guard AS (SELECT journal_require_open(school_id, class_id, date, $n::smallint[])
#                  AS open FROM lessons WHERE id = $1::uuid)
#   INSERT ... SELECT ... FROM guard      (or UPDATE ... FROM guard)
# with $n bound to `half_grades()`. It is true, or the statement fails with SQLSTATE
# JC409 and writes nothing (journal.driver answers `refusal(exc)`). Reference the CTE
# from the write, or PostgreSQL never runs it.

_CLOSED_ON = text(
    "SELECT journal_closed_on(CAST(:school_id AS uuid), CAST(:class_id AS uuid),"
    " CAST(:day AS date), CAST(:half_grades AS smallint[]))"
)
_HOLD_WRITES = text(
    "SELECT pg_advisory_xact_lock(:lock_class, hashtext(CAST(CAST(:school AS uuid) AS text)))"
)


@dataclass(frozen=True)
class Closed:
    """What holds a day closed: a period (`kind`, `number`) or a whole year (`name`)."""

    what: Literal["period", "year"]
    id: uuid.UUID
    kind: str | None = None
    number: int | None = None
    year_name: str | None = None

    @classmethod
    def parse(cls, found: str) -> "Closed":
        """From the function's answer: `period|<id>|<kind>|<number>` or `year|<id>|<name>`."""
        parts = found.split("|")
        if parts[0] == "period":
            return cls("period", uuid.UUID(parts[1]), kind=parts[2], number=int(parts[3]))
        return cls("year", uuid.UUID(parts[1]), year_name=parts[2])

    def problem(self) -> Problem:
        """409 `period-closed`, in Russian for the person who tried."""
        if self.what == "period":
            assert self.kind is not None and self.number is not None
            return Problem(
                409,
                "period-closed",
                "Период закрыт",
                f"Период «{period_label(self.kind, self.number)}» закрыт: "
                "изменения не принимаются.",
                period_id=str(self.id),
                kind=self.kind,
                number=self.number,
            )
        return Problem(
            409,
            "period-closed",
            "Учебный год закрыт",
            f"Учебный год {self.year_name} закрыт: изменения не принимаются.",
            year_id=str(self.id),
        )


def period_label(kind: str, number: int) -> str:
    """«2 четверть», «1 полугодие»."""
    return f"{number} {PERIOD_NAMES[kind]}"


def half_grades() -> list[int]:
    """The class levels with halves for a school that never changed its grading settings
    (the function reads the school's own setting first)."""
    return list(DEFAULT_SETTINGS.half_year_grades)


async def closed_on(
    session: AsyncSession, school_id: uuid.UUID, class_id: uuid.UUID, day: date
) -> Closed | None:
    """What holds `day` closed for the class (its closed period, else its closed year),
    or None. Begins the session's transaction and holds the school's closing lock
    (shared) until it ends: write in the same transaction, after this call."""
    found = await session.scalar(
        _CLOSED_ON,
        {"school_id": school_id, "class_id": class_id, "day": day, "half_grades": half_grades()},
    )
    return None if found is None else Closed.parse(found)


async def require_open(
    session: AsyncSession, school_id: uuid.UUID, class_id: uuid.UUID, day: date
) -> None:
    """409 `period-closed` unless `day` is open for changes of the class's journal.

    Call it in the transaction that writes, before writing, once per distinct day the
    write touches (a lesson moved from one day to another: both days). Nobody bypasses
    it, the deputy included: they reopen the period first."""
    closed = await closed_on(session, school_id, class_id, day)
    if closed is not None:
        raise closed.problem()


def refusal(exc: BaseException) -> Problem | None:
    """The 409 for the guard's error raised inside a prebuilt statement (asyncpg) or an
    ORM statement (SQLAlchemy's DBAPIError), else None."""
    error: Any = exc.orig if isinstance(exc, DBAPIError) else exc
    if getattr(error, "sqlstate", None) != SQLSTATE:
        return None
    detail = getattr(error, "detail", None)
    if detail is None and isinstance(exc, DBAPIError):  # the adapter keeps asyncpg's error
        detail = getattr(error.__cause__, "detail", None)
    return Closed.parse(detail).problem() if detail else None


async def hold_writes(session: AsyncSession, school_id: uuid.UUID) -> None:
    """Wait for the school's dated writes in flight and hold new ones off until the
    transaction ends: what closing a period (or a year) takes before it looks at it."""
    await session.execute(_HOLD_WRITES, {"lock_class": LOCK_CLASS, "school": school_id})
