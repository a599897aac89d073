"""The rules every correction of the journal follows (marks and attendance alike).

Who: the teacher of the lesson's assignment while the lesson is open, the deputy at any
time; a lesson locks once more than the school's `lock_after_days` (grading settings)
have passed since its date, in the school's time zone. Which state: a change names the
version it was based on (`If-Match` or a `version` field); a stale one answers 409 with
the current state, so two people never overwrite each other silently.
"""

import uuid
from typing import Any

from journal.access import TEACHING, require_own_teaching
from shared.errors import Problem
from shared.security import User

CORRECTORS = (*TEACHING, "deputy")
HISTORY_READERS = ("director", "deputy")

# The reads of marks' and attendance's corrections compute `locked` in SQL as
#   (now() AT TIME ZONE schools.timezone)::date - lessons.date
#       > coalesce(grading_settings.lock_after_days, <DEFAULT_SETTINGS.lock_after_days>)


def require_may_correct(user: User, teacher_id: uuid.UUID, locked: bool) -> None:
    """403 unless the caller may correct a cell of this lesson now."""
    if user.has("deputy"):
        return
    require_own_teaching(user, teacher_id)
    if locked:
        raise Problem(
            403,
            "journal-locked",
            "Journal locked",
            "The lesson is past the school's lock period; only the deputy corrects it now.",
        )


def based_on(if_match: str | None, version: int | None) -> int | None:
    """The version a change was based on: `If-Match` ("3" or the ETag form "\\"3\\"") or
    the body's `version`; both given must agree."""
    if if_match is None:
        return version
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isdigit() or len(text) > 9:
        raise Problem(
            400, "invalid-if-match", "Invalid If-Match", "If-Match names a version: a number."
        )
    header = int(text)
    if version is not None and version != header:
        raise Problem(
            400,
            "invalid-if-match",
            "Invalid If-Match",
            "If-Match and the body's version name different versions.",
        )
    return header


def stale(what: str, current: dict[str, Any]) -> Problem:
    """409: the change was based on an older state than `current` (which it carries)."""
    return Problem(
        409,
        "stale-version",
        "Stale version",
        f"The {what} was changed since the version this change was based on.",
        current=current,
    )


def version_required() -> Problem:
    return Problem(
        428,
        "version-required",
        "Version required",
        "Name the version this change is based on (If-Match or `version`).",
    )
