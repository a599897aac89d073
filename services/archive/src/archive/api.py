"""Archive HTTP API: what archive received, and the sealed years (archive.reading)."""

import base64
import hashlib
import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from archive import reading, service
from archive.models import SealedYear
from archive.reading import ArchiveFiles
from archive.schemas import (
    ArchivedFileOut,
    ArchivedYearDetailOut,
    ArchivedYearOut,
    ArchivedYearsOut,
    IntegrityOut,
    ReceivedEventsSummary,
    ReportCardOut,
    ReportCardYearsOut,
)
from shared.openapi import problems
from shared.security import CurrentUser
from shared.web import Session

router = APIRouter(tags=["archive"])

MEDIA_TYPES = {
    "package": "application/zip",
    "summary": "application/zip",
    "pdf": "application/pdf",
    "manifest": "application/json",
    "signature": "text/plain",
    "public_key": "application/x-pem-file",
    "certificate": "application/x-pem-file",
}


def _files(request: Request) -> ArchiveFiles:
    files: ArchiveFiles = request.app.state.archive_files
    return files


Files = Annotated[ArchiveFiles, Depends(_files)]


@router.get("/received-events/summary")
async def received_events_summary(session: Session, user: CurrentUser) -> ReceivedEventsSummary:
    """How many journal events of each type archive has received for the caller's school."""
    counts = await service.received_summary(session, user)
    return ReceivedEventsSummary(
        school_id=user.school_id, total=sum(counts.values()), counts=counts
    )


def _year(year: SealedYear) -> ArchivedYearOut:
    return ArchivedYearOut.model_validate(year, from_attributes=True)


@router.get("/years", responses=problems(401, 403))
async def archived_years(session: Session, user: CurrentUser) -> ArchivedYearsOut:
    """The school's years in the archive, newest first (director, deputy, sysadmin)."""
    return ArchivedYearsOut(items=[_year(y) for y in await reading.school_years(session, user)])


@router.get("/years/{year_id}", responses=problems(401, 403, 404))
async def archived_year(
    year_id: uuid.UUID, session: Session, user: CurrentUser
) -> ArchivedYearDetailOut:
    """A year in the archive with its files and their SHA-256 (director, deputy, sysadmin)."""
    year = await reading.school_year(session, user, year_id)
    files = [
        ArchivedFileOut.model_validate(f, from_attributes=True)
        for f in await reading.year_files(session, year)
    ]
    return ArchivedYearDetailOut(**_year(year).model_dump(), files=files)


@router.get(
    "/years/{year_id}/files/{file_id}",
    response_class=Response,
    responses={
        200: {"description": "The file's bytes", "content": {"application/octet-stream": {}}},
        **problems(401, 403, 404, 409, 410),
    },
)
async def archived_file(
    year_id: uuid.UUID, file_id: uuid.UUID, session: Session, user: CurrentUser, files: Files
) -> Response:
    """Download a sealed file (director, deputy); its SHA-256 is checked first (409
    `archive-file-damaged` if it no longer matches) and sent as `Repr-Digest`."""
    found, content = await reading.file_content(session, files, user, year_id, file_id)
    digest = base64.b64encode(hashlib.sha256(content).digest()).decode()
    name = found.path.replace("/", "-")
    if found.class_name:
        name = f"{found.class_name}-{found.path.rsplit('/', 1)[-1]}"
    return Response(
        content,
        media_type=MEDIA_TYPES.get(found.kind, "application/octet-stream"),
        headers={
            "Repr-Digest": f"sha-256=:{digest}:",
            "Content-Disposition": f"attachment; filename*=UTF-8''{_quoted(name)}",
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _quoted(name: str) -> str:
    return quote(name, safe="")


@router.get("/years/{year_id}/integrity", responses=problems(401, 403, 404, 409))
async def year_integrity(
    year_id: uuid.UUID, session: Session, user: CurrentUser, files: Files
) -> IntegrityOut:
    """Check a sealed year now: every file's SHA-256 recomputed, the manifest's Ed25519
    signature and the PDFs' PAdES signatures verified; what is wrong is named."""
    report = await reading.integrity(session, files, user, year_id)
    return IntegrityOut.model_validate({**report.as_json(), "year_id": year_id})


@router.get("/years/{year_id}/report-cards/{student_id}", responses=problems(401, 403, 404))
async def report_card(
    year_id: uuid.UUID, student_id: uuid.UUID, session: Session, user: CurrentUser, files: Files
) -> ReportCardOut:
    """A student's final marks of an archived year (the student; a parent of the child)."""
    card = await reading.report_card(session, files, user, year_id, student_id)
    return ReportCardOut.model_validate(card)


@router.get("/report-cards/{student_id}", responses=problems(401, 403, 404))
async def report_card_years(
    student_id: uuid.UUID, session: Session, user: CurrentUser, files: Files
) -> ReportCardYearsOut:
    """The archived years that hold the student's report card, newest first (the student;
    a parent of the child); anyone else's child is not found (404)."""
    years = await reading.report_card_years(session, files, user, student_id)
    return ReportCardYearsOut.model_validate(years)
