"""Per-person notification preferences and per-school email settings."""

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from messaging.notifications.feed import recipient_of
from messaging.notifications.kinds import CATEGORIES
from messaging.notifications.models import Preferences, SchoolEmail
from messaging.notifications.schemas import (
    EmailSettingsIn,
    PreferencesIn,
    PreferencesOut,
    QuietHours,
)
from shared.errors import NotFound
from shared.security import User

# Nobody in a district's office gets a school's notifications.
RECEIVING_ROLES = (
    "student",
    "parent",
    "teacher",
    "class_teacher",
    "deputy",
    "director",
    "sysadmin",
)
EMAIL_ADMINS = ("sysadmin", "director")


def _out(prefs: Preferences | None) -> PreferencesOut:
    if prefs is None:
        return PreferencesOut(categories=list(CATEGORIES))
    quiet = (
        QuietHours(start=prefs.quiet_from, end=prefs.quiet_to)
        if prefs.quiet_from is not None and prefs.quiet_to is not None
        else None
    )
    return PreferencesOut.model_validate(
        {
            "categories": list(CATEGORIES),
            "muted": prefs.muted,
            "delivery": prefs.delivery,
            "digest_hour": prefs.digest_hour,
            "quiet_hours": quiet,
            "email": prefs.email,
        }
    )


async def _own(session: AsyncSession, user: User) -> Preferences | None:
    user.require(*RECEIVING_ROLES)
    prefs = await session.get(Preferences, recipient_of(user))
    if prefs is not None and prefs.school_id != user.school_id:
        return None  # the same person in another school: that school's are its own
    return prefs


async def get_preferences(session: AsyncSession, user: User) -> PreferencesOut:
    return _out(await _own(session, user))


async def put_preferences(
    session: AsyncSession, user: User, wanted: PreferencesIn
) -> PreferencesOut:
    prefs = await _own(session, user)
    if prefs is None:
        prefs = await session.get(Preferences, recipient_of(user))
        if prefs is None:
            prefs = Preferences(recipient_id=recipient_of(user))
            session.add(prefs)
    prefs.school_id = user.school_id
    prefs.muted = sorted(set(wanted.muted))
    prefs.delivery = wanted.delivery
    prefs.digest_hour = wanted.digest_hour
    prefs.quiet_from = wanted.quiet_hours.start if wanted.quiet_hours else None
    prefs.quiet_to = wanted.quiet_hours.end if wanted.quiet_hours else None
    prefs.email = wanted.email
    prefs.updated_at = datetime.now(UTC)
    await session.flush()
    return _out(prefs)


async def get_email_settings(session: AsyncSession, user: User) -> SchoolEmail:
    user.require(*EMAIL_ADMINS)
    found = await session.get(SchoolEmail, user.school_id)
    if found is None:
        raise NotFound("email settings")
    return found


async def put_email_settings(
    session: AsyncSession, user: User, wanted: EmailSettingsIn
) -> SchoolEmail:
    user.require(*EMAIL_ADMINS)
    found = await session.get(SchoolEmail, user.school_id)
    if found is None:
        found = SchoolEmail(school_id=user.school_id)
        session.add(found)
    found.enabled, found.sender = wanted.enabled, wanted.sender
    found.updated_at = datetime.now(UTC)
    await session.flush()
    return found
