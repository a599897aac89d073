"""Reading a closed year from journal's export (`GET /years/{id}/export`, NDJSON) with a
service token, and checking it against the manifest before anything is stored.

The lines are spooled to a temporary folder, one file per class journal, while their
counts and SHA-256 are recomputed here (archive does not trust journal's arithmetic: the
counting below is its own, after the rules of docs/architecture.md, "Year closing"). Only
an export whose every class journal, the trailer and the whole hash agree with the
manifest that journal published when the year closed is handed on; anything else is an
`ExportMismatch` naming what differs, and nothing has been stored.
"""

import hashlib
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx

from shared.contracts.journal import ClassJournalCounts, ClassJournalManifest, YearManifest

EXPORT_FORMAT = "journal-export/1"
EXPORT_SCOPE = "journal.export"

# The record kinds and the counter each adds one to; nested lists add their length.
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
NESTED_COUNTS = {
    "student": ("enrollments", "enrollments"),
    "mark": ("history", "mark_changes"),
    "attendance": ("history", "attendance_changes"),
    "final_mark": ("history", "final_mark_changes"),
    "group": ("members", "group_memberships"),
    "thematic_plan": ("items", "thematic_plan_items"),
    "guardian": ("children", "guardianships"),
}


class ExportUnavailable(Exception):
    """Journal or auth could not be reached or refused (a later attempt may succeed)."""


class AnotherSchoolsYear(Exception):
    """The year asked for is another school's: nothing to seal for this one."""


class ExportMismatch(Exception):
    """The export does not match the manifest: the seal stops, nothing is stored."""

    def __init__(self, year_id: uuid.UUID, differences: list[str]) -> None:
        self.year_id, self.differences = year_id, differences
        shown = "; ".join(differences[:10]) + ("; ..." if len(differences) > 10 else "")
        super().__init__(f"the export of year {year_id} does not match its manifest: {shown}")


def canonical(record: dict[str, Any]) -> bytes:
    """A record as journal must have written it (keys sorted, no spaces, UTF-8, newline)."""
    text = json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.encode() + b"\n"


# --- the service credential and the export over HTTP ------------------------------------


class TokenSource(Protocol):
    async def token(self) -> str: ...


class ClientCredentials:
    """A service token from auth (OAuth2 client credentials), reused until near expiry."""

    def __init__(
        self, http: httpx.AsyncClient, token_url: str, client_id: str, client_secret: str
    ) -> None:
        self.http, self.token_url = http, token_url
        self.client_id, self.client_secret = client_id, client_secret
        self._token: str | None = None
        self._until = 0.0

    async def token(self) -> str:
        if self._token is not None and time.monotonic() < self._until:
            return self._token
        try:
            response = await self.http.post(
                self.token_url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                    "scope": EXPORT_SCOPE,
                },
            )
        except httpx.HTTPError as exc:
            raise ExportUnavailable(f"auth is not reachable: {exc}") from exc
        if response.status_code != 200:
            raise ExportUnavailable(
                f"auth refused the archive's credentials ({response.status_code})"
            )
        body = response.json()
        self._token = str(body["access_token"])
        self._until = time.monotonic() + max(0.0, float(body.get("expires_in", 60)) - 30)
        return self._token


class JournalExport(Protocol):
    def lines(self, year_id: uuid.UUID) -> AsyncIterator[bytes]: ...


class HttpJournalExport:
    """Journal's export over HTTP: `journal_url` is journal's base (…/api/journal)."""

    def __init__(self, http: httpx.AsyncClient, journal_url: str, tokens: TokenSource) -> None:
        self.http, self.journal_url, self.tokens = http, journal_url.rstrip("/"), tokens

    async def lines(self, year_id: uuid.UUID) -> AsyncIterator[bytes]:
        url = f"{self.journal_url}/years/{year_id}/export"
        headers = {"Authorization": f"Bearer {await self.tokens.token()}"}
        try:
            async with self.http.stream("GET", url, headers=headers) as response:
                if response.status_code != 200:
                    await response.aread()
                    raise ExportUnavailable(
                        f"journal answered {response.status_code} for the export of year "
                        f"{year_id}: {response.text[:300]}"
                    )
                pending = b""
                async for chunk in response.aiter_bytes():
                    pending += chunk
                    *complete, pending = pending.split(b"\n")
                    for line in complete:
                        yield line + b"\n"
                if pending:
                    yield pending  # no final newline: the check below refuses it
        except httpx.HTTPError as exc:
            raise ExportUnavailable(f"the export of year {year_id} broke off: {exc}") from exc


# --- receiving and checking -------------------------------------------------------------


@dataclass
class ReceivedClassJournal:
    """One class journal of the export, its lines spooled to `path`."""

    class_id: uuid.UUID
    class_name: str
    grade: int
    path: Path
    sha256: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[bytes]:
        with self.path.open("rb") as file:
            return list(file)


@dataclass(frozen=True)
class ReceivedYear:
    header: dict[str, Any]
    manifest: YearManifest
    class_journals: list[ReceivedClassJournal]

    @property
    def school_id(self) -> uuid.UUID:
        return uuid.UUID(self.header["school_id"])

    @property
    def year(self) -> dict[str, Any]:
        year: dict[str, Any] = self.header["year"]
        return year


class _Digest:
    def __init__(self, journal: ReceivedClassJournal) -> None:
        self.journal = journal
        self.sha = hashlib.sha256()
        self.counts = dict.fromkeys(ClassJournalCounts.model_fields, 0)
        self.file = journal.path.open("wb")

    def add(self, record: dict[str, Any], line: bytes) -> None:
        self.sha.update(line)
        self.file.write(line)
        self.counts["records"] += 1
        kind = record["record"]
        if kind in COUNTED_KINDS:
            self.counts[COUNTED_KINDS[kind]] += 1
        if kind in NESTED_COUNTS:
            key, counter = NESTED_COUNTS[kind]
            self.counts[counter] += len(record.get(key) or [])

    def close(self) -> None:
        self.file.close()
        self.journal.sha256 = self.sha.hexdigest()
        self.journal.counts = self.counts


def _entry(journal: ReceivedClassJournal) -> ClassJournalManifest:
    return ClassJournalManifest(
        class_id=journal.class_id,
        class_name=journal.class_name,
        grade=journal.grade,
        counts=ClassJournalCounts(**journal.counts),
        sha256=journal.sha256,
    )


def compare(year_id: uuid.UUID, expected: YearManifest, got: YearManifest) -> list[str]:
    """What differs between two manifests, in words naming the class journals."""
    differences: list[str] = []
    mine = {e.class_id: e for e in got.class_journals}
    theirs = {e.class_id: e for e in expected.class_journals}
    for class_id, entry in theirs.items():
        other = mine.get(class_id)
        label = f"class journal {entry.class_name} ({class_id})"
        if other is None:
            differences.append(f"{label} is missing from the export")
            continue
        for name, value in entry.counts.model_dump().items():
            found = getattr(other.counts, name)
            if found != value:
                differences.append(f"{label}: {name} {found} instead of {value}")
        if other.sha256 != entry.sha256:
            differences.append(f"{label}: SHA-256 {other.sha256} instead of {entry.sha256}")
        if (other.class_name, other.grade) != (entry.class_name, entry.grade):
            differences.append(f"{label}: named {other.class_name} (grade {other.grade})")
    for class_id, entry in mine.items():
        if class_id not in theirs:
            differences.append(
                f"class journal {entry.class_name} ({class_id}) is not in the manifest"
            )
    if not differences and [e.class_id for e in got.class_journals] != [
        e.class_id for e in expected.class_journals
    ]:
        differences.append("the class journals come in another order than the manifest's")
    if not differences and got.sha256 != expected.sha256:
        differences.append(f"the whole: SHA-256 {got.sha256} instead of {expected.sha256}")
    return differences


async def receive_year(
    lines: AsyncIterator[bytes],
    folder: Path,
    *,
    year_id: uuid.UUID,
    school_id: uuid.UUID,
    expected: YearManifest | None,
) -> ReceivedYear:
    """Spool and check the export of `year_id`. `expected` is the manifest journal
    published when the year closed (from `journal.year.closed`); without it, the trailer's
    own manifest is all there is to check against."""
    header: dict[str, Any] | None = None
    trailer: dict[str, Any] | None = None
    journals: list[ReceivedClassJournal] = []
    digest: _Digest | None = None
    seen: set[uuid.UUID] = set()
    whole = hashlib.sha256()

    def refuse(why: str) -> ExportMismatch:
        return ExportMismatch(year_id, [why])

    try:
        async for line in lines:
            if trailer is not None:
                raise refuse("lines after the trailer")
            try:
                record = json.loads(line)
            except ValueError:
                raise refuse(f"line {len(seen) + 1} is not JSON") from None
            if not isinstance(record, dict) or canonical(record) != line:
                raise refuse("a line is not canonical JSON (it was changed on the way)")
            kind = record.get("record")
            if header is None:
                if kind != "header" or record.get("format") != EXPORT_FORMAT:
                    raise refuse(f"the export does not start with a {EXPORT_FORMAT} header")
                header = record
                whole.update(line)
                continue
            if kind == "trailer":
                trailer = record
                continue
            if kind == "class":
                class_id = uuid.UUID(record["class_id"])
                if class_id in seen:
                    raise refuse(f"class journal {record['name']} comes twice")
                seen.add(class_id)
                if digest is not None:
                    digest.close()
                journal = ReceivedClassJournal(
                    class_id, record["name"], int(record["grade"]), folder / f"{class_id}.jsonl"
                )
                journals.append(journal)
                digest = _Digest(journal)
            elif digest is None or record.get("class_id") != str(digest.journal.class_id):
                raise refuse(f"a {kind} record outside its class journal")
            digest.add(record, line)
    finally:
        if digest is not None:
            digest.close()
    if header is None:
        raise refuse("the export is empty")
    if trailer is None:
        raise refuse("the export ended before its trailer (cut off)")
    year = header.get("year", {})
    if year.get("year_id") != str(year_id):
        raise refuse(f"the export is of year {year.get('year_id')}, not {year_id}")
    if header.get("school_id") != str(school_id):
        raise AnotherSchoolsYear(f"year {year_id} is not a year of school {school_id}")
    entries = [_entry(j) for j in journals]
    for entry in entries:
        whole.update(canonical(entry.model_dump(mode="json")))
    got = YearManifest(format=EXPORT_FORMAT, class_journals=entries, sha256=whole.hexdigest())
    trailer_manifest = YearManifest.model_validate(trailer["manifest"])
    differences = compare(year_id, trailer_manifest, got)
    if expected is not None:
        differences += [
            f"against journal.year.closed: {d}" for d in compare(year_id, expected, got)
        ]
    if differences:
        raise ExportMismatch(year_id, differences)
    return ReceivedYear(header, expected or trailer_manifest, journals)
