"""Use cases of the grading settings: read them (defaults until the school changes them)
and change them (deputy or director), publishing `GradingSettingsChanged`."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from journal.access import ADMINISTRATION, JOURNAL_READERS, require_role
from journal.grading.models import GradingSettings
from journal.grading.schemas import GradingSettingsIn
from shared.contracts.journal import GradingSettingsChanged, RoundingRule
from shared.errors import Problem
from shared.outbox import add_event
from shared.security import User


@dataclass(frozen=True)
class SchoolGrading:
    """A school's grading settings as the rules use them."""

    rounding_rule: RoundingRule
    min_marks_per_period: int
    late_entry_days: int
    lock_after_days: int
    half_year_grades: tuple[int, ...]
    version: int
    # Class levels taught without marks (безотметочное обучение).
    unmarked_grades: tuple[int, ...] = (1,)

    def marks_given(self, grade: int) -> bool:
        """Whether a class of this level is given marks 1-5 (docs/architecture.md)."""
        return grade not in self.unmarked_grades


# A school that never changed them grades by these (DESIGN.md §7).
DEFAULT_SETTINGS = SchoolGrading(
    rounding_rule="from_0_50",
    min_marks_per_period=3,
    late_entry_days=7,
    lock_after_days=14,
    half_year_grades=(10, 11),
    version=0,
    unmarked_grades=(1,),
)


def _settings(row: GradingSettings) -> SchoolGrading:
    return SchoolGrading(
        rounding_rule=row.rounding_rule,  # type: ignore[arg-type]
        min_marks_per_period=row.min_marks_per_period,
        late_entry_days=row.late_entry_days,
        lock_after_days=row.lock_after_days,
        half_year_grades=tuple(row.half_year_grades),
        version=row.version,
        unmarked_grades=tuple(row.unmarked_grades),
    )


async def settings_of(session: AsyncSession, school_id: uuid.UUID) -> SchoolGrading:
    """The school's grading settings, the defaults while it has none of its own."""
    row = await session.get(GradingSettings, school_id)
    return DEFAULT_SETTINGS if row is None else _settings(row)


async def read_settings(session: AsyncSession, user: User) -> SchoolGrading:
    require_role(user, *JOURNAL_READERS)
    return await settings_of(session, user.school_id)


async def change_settings(
    session: AsyncSession, user: User, data: GradingSettingsIn
) -> SchoolGrading:
    """Set the school's grading settings; the same settings again change nothing."""
    require_role(user, *ADMINISTRATION)
    errors = [
        {
            "loc": ["body", name],
            "msg": "Each class level is listed once.",
            "type": "duplicate",
        }
        for name, levels in (
            ("half_year_grades", data.half_year_grades),
            ("unmarked_grades", data.unmarked_grades or []),
        )
        if len(set(levels)) != len(levels)
    ]
    if errors:
        raise Problem(
            422,
            "validation-error",
            "Invalid request",
            "The grading settings are inconsistent; nothing was saved.",
            errors=errors,
        )
    wanted: dict[str, object] = {
        "rounding_rule": data.rounding_rule,
        "min_marks_per_period": data.min_marks_per_period,
        "late_entry_days": data.late_entry_days,
        "lock_after_days": data.lock_after_days,
        "half_year_grades": sorted(data.half_year_grades),
    }
    if data.unmarked_grades is not None:  # absent: kept as they are
        wanted["unmarked_grades"] = sorted(data.unmarked_grades)
    # The school's row is made (with the defaults, version 0) if absent and then locked, so
    # two first changes at once are applied one after the other, never as two inserts.
    await session.execute(
        insert(GradingSettings)
        .values(
            school_id=user.school_id,
            rounding_rule=DEFAULT_SETTINGS.rounding_rule,
            min_marks_per_period=DEFAULT_SETTINGS.min_marks_per_period,
            late_entry_days=DEFAULT_SETTINGS.late_entry_days,
            lock_after_days=DEFAULT_SETTINGS.lock_after_days,
            half_year_grades=list(DEFAULT_SETTINGS.half_year_grades),
            unmarked_grades=list(DEFAULT_SETTINGS.unmarked_grades),
            version=DEFAULT_SETTINGS.version,
            updated_by=user.account_id,
        )
        .on_conflict_do_nothing(index_elements=[GradingSettings.school_id])
    )
    row = (
        await session.scalars(
            select(GradingSettings)
            .where(GradingSettings.school_id == user.school_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).one()
    current = {name: getattr(row, name) for name in wanted}
    if current == wanted:
        return _settings(row)
    for name, value in wanted.items():
        setattr(row, name, value)
    row.version += 1
    row.updated_by = user.account_id
    row.updated_at = datetime.now(UTC)
    await session.flush()
    settings = _settings(row)
    await add_event(
        session,
        GradingSettingsChanged(
            school_id=user.school_id,
            version=settings.version,
            rounding_rule=settings.rounding_rule,
            min_marks_per_period=settings.min_marks_per_period,
            late_entry_days=settings.late_entry_days,
            lock_after_days=settings.lock_after_days,
            half_year_grades=list(settings.half_year_grades),
            unmarked_grades=list(settings.unmarked_grades),
        ),
    )
    return settings
