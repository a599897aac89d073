"""The machine-readable package of a class journal: a zip holding `journal.jsonl`, the
class journal's export lines exactly as journal streamed them (roster, guardians,
groups, curriculum, thematic plans, lessons with topics and homework, marks with their
history, attendance with its history, remarks, final marks with their history, homework
files), and `manifest.json`, journal's manifest entry for them (counts and SHA-256: the
SHA-256 of `journal.jsonl` is the entry's). Deterministic: the same lines give the same
bytes (fixed timestamps, fixed order), so a repeated seal stores the same package.

The year's summary (`summary.jsonl.zip`, kept longer than the class journals) holds each
class's `class` and `student` lines and its final marks: what a report card needs.
"""

import io
import json
import zipfile
from collections.abc import Iterable
from typing import Any

from archive.journal_export import ReceivedClassJournal, ReceivedYear, canonical

# 1980-01-01, the earliest moment zip can hold: no build time leaks into the bytes.
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
SUMMARY_KINDS = frozenset({"class", "student", "final_mark"})


def _member(archive: zipfile.ZipFile, name: str, content: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, content, compresslevel=9)


def _zip(members: Iterable[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members:
            _member(archive, name, content)
    return out.getvalue()


def class_package(year: ReceivedYear, journal: ReceivedClassJournal) -> bytes:
    """The zipped JSON Lines package of one class journal."""
    [entry] = [e for e in year.manifest.class_journals if e.class_id == journal.class_id]
    described = {
        "format": "archive-class-journal/1",
        "export_format": year.header["format"],
        "school_id": year.header["school_id"],
        "year": year.year,
        "class_journal": entry.model_dump(mode="json"),
    }
    return _zip(
        [
            ("journal.jsonl", journal.path.read_bytes()),
            ("manifest.json", canonical(described)),
        ]
    )


def year_summary(year: ReceivedYear) -> bytes:
    """The year's summary: the export's header, then per class its class list and final
    marks (no marks of lessons, no attendance, no contacts)."""
    lines = [canonical(year.header)]
    for journal in year.class_journals:
        with journal.path.open("rb") as file:
            for line in file:
                if json.loads(line)["record"] in SUMMARY_KINDS:
                    lines.append(line)
    return _zip([("summary.jsonl", b"".join(lines))])


def read_jsonl(package: bytes, member: str) -> list[dict[str, Any]]:
    """The records of a member of a package (for readers and tests)."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return [json.loads(line) for line in archive.read(member).splitlines()]
