"""Routes of the grading settings."""

from fastapi import APIRouter

from journal.grading import service
from journal.grading.schemas import GradingSettingsIn, GradingSettingsOut
from shared.security import CurrentUser
from shared.web import Session

router = APIRouter(tags=["grading"])


def settings_out(settings: service.SchoolGrading) -> GradingSettingsOut:
    return GradingSettingsOut(
        rounding_rule=settings.rounding_rule,
        min_marks_per_period=settings.min_marks_per_period,
        late_entry_days=settings.late_entry_days,
        lock_after_days=settings.lock_after_days,
        half_year_grades=list(settings.half_year_grades),
        unmarked_grades=list(settings.unmarked_grades),
        version=settings.version,
    )


@router.get("/grading-settings")
async def read_grading_settings(session: Session, user: CurrentUser) -> GradingSettingsOut:
    """The school's grading settings (the defaults until the school changes them)."""
    return settings_out(await service.read_settings(session, user))


@router.put("/grading-settings")
async def change_grading_settings(
    data: GradingSettingsIn, session: Session, user: CurrentUser
) -> GradingSettingsOut:
    """Set the school's grading settings (deputy or director)."""
    return settings_out(await service.change_settings(session, user, data))
