"""The archive sealed a closed year (`archive.year.sealed.v1`): journal marks it
archived, with the SHA-256 of the archive's signed manifest. The first seal counts (a
year is sealed once); a year of another school, or one journal does not know, is left
alone. The year's `version` does not change: it orders its calendar, which did not."""

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from journal.calendar.models import AcademicYear
from shared.contracts.archive import YearSealed


async def mark_archived(session: AsyncSession, event: YearSealed) -> None:
    await session.execute(
        update(AcademicYear)
        .where(
            AcademicYear.id == event.year_id,
            AcademicYear.school_id == event.school_id,
            AcademicYear.closed_at.is_not(None),
            AcademicYear.archived_at.is_(None),
        )
        .values(archived_at=event.sealed_at, archive_manifest_sha256=event.manifest_sha256)
    )
