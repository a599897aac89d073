"""Archive HTTP models."""

import datetime as dt
import uuid

from pydantic import BaseModel


class ReceivedEventsSummary(BaseModel):
    school_id: uuid.UUID
    total: int
    counts: dict[str, int]


class ArchivedYearOut(BaseModel):
    year_id: uuid.UUID
    name: str | None
    starts_on: dt.date | None
    ends_on: dt.date | None
    closed_at: dt.datetime | None
    status: str
    last_error: str | None
    sealed_at: dt.datetime | None
    class_journals: int | None
    manifest_sha256: str | None
    public_key_sha256: str | None
    detailed_purged_at: dt.datetime | None
    summary_purged_at: dt.datetime | None


class ArchivedYearsOut(BaseModel):
    items: list[ArchivedYearOut]


class ArchivedFileOut(BaseModel):
    file_id: uuid.UUID
    kind: str
    path: str
    class_id: uuid.UUID | None
    class_name: str | None
    grade: int | None
    sha256: str
    size: int
    stored_at: dt.datetime
    purged_at: dt.datetime | None


class ArchivedYearDetailOut(ArchivedYearOut):
    files: list[ArchivedFileOut]


class FindingOut(BaseModel):
    path: str
    problem: str


class IntegrityOut(BaseModel):
    year_id: uuid.UUID
    intact: bool
    files_checked: int
    signatures_checked: int
    purged: list[str]
    findings: list[FindingOut]


class ReportCardFinal(BaseModel):
    period_kind: str | None
    period_number: int | None
    value: str


class ReportCardSubject(BaseModel):
    subject_id: uuid.UUID
    subject_name: str
    finals: list[ReportCardFinal]


class ReportCardOut(BaseModel):
    year_id: uuid.UUID
    year_name: str | None
    student_id: uuid.UUID
    last_name: str
    first_name: str
    class_name: str
    subjects: list[ReportCardSubject]


class ReportCardYearOut(BaseModel):
    year_id: uuid.UUID
    year_name: str | None
    starts_on: dt.date | None
    ends_on: dt.date | None
    class_name: str


class ReportCardYearsOut(BaseModel):
    student_id: uuid.UUID
    last_name: str | None
    first_name: str | None
    items: list[ReportCardYearOut]
