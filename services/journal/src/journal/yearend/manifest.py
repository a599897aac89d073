"""The manifest of a closed year: per class journal the counts of its records and the
SHA-256 of its export lines, and one hash over the whole.

Every record is written as canonical JSON (keys sorted, no spaces, UTF-8 as is, one line
ending in a newline): the export streams exactly these bytes, so the archive recomputes
every hash from the lines it received, without knowing how journal builds them.
"""

import datetime as dt
import hashlib
import json
import uuid
from typing import Any

from shared.contracts.journal import ClassJournalCounts, ClassJournalManifest, YearManifest

EXPORT_FORMAT = "journal-export/1"

# The record kinds a class journal's export holds, and the counter each one adds to.
COUNTED_KINDS = {
    "student": "students",
    "lesson": "lessons",
    "mark": "marks",
    "attendance": "attendance",
    "remark": "remarks",
    "final_mark": "final_marks",
    "homework_attachment": "homework_attachments",
    "group": "groups",
    "thematic_plan": "thematic_plans",
    "guardian": "guardians",
    "curriculum_hours": "curriculum_hours",
}


def stamp(moment: dt.datetime | None) -> str | None:
    """A moment as the export writes it: UTC, microseconds, `Z` (as `STAMP_SQL` does)."""
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def day(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def ident(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None


def canonical(record: dict[str, Any]) -> bytes:
    """One export line: canonical JSON of the record and a newline."""
    text = json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.encode() + b"\n"


class ClassJournalDigest:
    """Counts and hashes one class journal's lines as they go by."""

    def __init__(self, class_id: uuid.UUID, class_name: str, grade: int) -> None:
        self.class_id, self.class_name, self.grade = class_id, class_name, grade
        self._sha = hashlib.sha256()
        self._counts = dict.fromkeys(ClassJournalCounts.model_fields, 0)

    def add(self, record: dict[str, Any], line: bytes) -> None:
        self._sha.update(line)
        self._counts["records"] += 1
        kind = record["record"]
        if kind in COUNTED_KINDS:
            self._counts[COUNTED_KINDS[kind]] += 1
        if kind == "student":
            self._counts["enrollments"] += len(record["enrollments"])
        elif kind == "mark":
            self._counts["mark_changes"] += len(record["history"])
        elif kind == "attendance":
            self._counts["attendance_changes"] += len(record["history"])
        elif kind == "final_mark":
            self._counts["final_mark_changes"] += len(record["history"])
        elif kind == "group":
            self._counts["group_memberships"] += len(record["members"])
        elif kind == "thematic_plan":
            self._counts["thematic_plan_items"] += len(record["items"])
        elif kind == "guardian":
            self._counts["guardianships"] += len(record["children"])

    def manifest(self) -> ClassJournalManifest:
        return ClassJournalManifest(
            class_id=self.class_id,
            class_name=self.class_name,
            grade=self.grade,
            counts=ClassJournalCounts(**self._counts),
            sha256=self._sha.hexdigest(),
        )


def year_manifest(header_line: bytes, class_journals: list[ClassJournalManifest]) -> YearManifest:
    """The whole: SHA-256 over the header line and each class journal's manifest entry as
    canonical JSON lines, in the export's order."""
    whole = hashlib.sha256(header_line)
    for entry in class_journals:
        whole.update(canonical(entry.model_dump(mode="json")))
    return YearManifest(
        format=EXPORT_FORMAT, class_journals=class_journals, sha256=whole.hexdigest()
    )
