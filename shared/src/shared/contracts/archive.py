"""Events published by archive: a school year sealed into the archive, and what the
retention purge removed. Counts, hashes and ids only: no names, no marks."""

import uuid
from datetime import date, datetime
from typing import ClassVar, Literal

from shared.events import Event


class YearSealed(Event):
    """A closed year's class journals are in the archive: each as a JSON Lines package and
    a PAdES-signed PDF, listed with their SHA-256 in the year's manifest, itself signed
    with the school's Ed25519 key (`public_key_sha256` names the key). Sealed once: a
    year sealed again publishes nothing."""

    routing_key: ClassVar[str] = "archive.year.sealed.v1"
    aggregate: ClassVar[str] = "sealed_year"

    year_id: uuid.UUID
    name: str
    ends_on: date
    sealed_at: datetime
    class_journals: int
    files: int
    manifest_sha256: str
    public_key_sha256: str

    def aggregate_id(self) -> str:
        return str(self.year_id)


class ArchivePurged(Event):
    """The retention purge removed a sealed year's files past their keeping time:
    `detailed` the class journals (packages and PDFs), `summary` the summary of final
    marks. The signed manifest stays and still lists them (as purged)."""

    routing_key: ClassVar[str] = "archive.year.purged.v1"
    aggregate: ClassVar[str] = "sealed_year"

    year_id: uuid.UUID
    kind: Literal["detailed", "summary"]
    files: int
    bytes: int
    class_ids: list[uuid.UUID]
    kept_until: date

    def aggregate_id(self) -> str:
        return str(self.year_id)


EVENTS: tuple[type[Event], ...] = (YearSealed, ArchivePurged)
