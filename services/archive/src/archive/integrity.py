"""The integrity check of a sealed year's folder: the manifest's signature against the
school's public key, every listed file's SHA-256 recomputed, the PDFs' PAdES signatures
validated against the school's certificate (the one the signed manifest names), and any
file there that the manifest does not list. Files the retention purge removed are
accepted as gone only if the signed retention record names them.

It needs nothing but the year's files and the public key, so it runs the same inside the
service on the configured storage, a directory or an S3 bucket (`GET /years/{id}/integrity`),
and offline on a copied folder (`python -m archive verify`).
"""

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from archive import manifest as m
from archive.pades import check_pdf_signature
from archive.storage import ArchiveStorage, MissingFromStorage


@dataclass(frozen=True)
class Finding:
    path: str
    problem: str


@dataclass
class IntegrityReport:
    year_id: str | None = None
    files_checked: int = 0
    signatures_checked: int = 0
    purged: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.findings

    def found(self, path: str, problem: str) -> None:
        self.findings.append(Finding(path, problem))

    def as_json(self) -> dict[str, Any]:
        return {
            "year_id": self.year_id,
            "intact": self.intact,
            "files_checked": self.files_checked,
            "signatures_checked": self.signatures_checked,
            "purged": self.purged,
            "findings": [{"path": f.path, "problem": f.problem} for f in self.findings],
        }


class YearFiles(Protocol):
    """A sealed year's files, wherever they are (blocking calls: run in a thread)."""

    def read(self, name: str) -> bytes | None:
        """The file's bytes, None if it is not there."""
        ...

    def names(self) -> list[str]:
        """Every file there, relative to the year's folder."""
        ...


class FolderFiles:
    """A year's folder on disk: the storage's own, or a copy handed out for checking."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def read(self, name: str) -> bytes | None:
        path = self.folder / name
        return path.read_bytes() if path.is_file() else None

    def names(self) -> list[str]:
        return sorted(
            p.relative_to(self.folder).as_posix() for p in self.folder.rglob("*") if p.is_file()
        )


class StoredFiles:
    """A year's folder in the archive storage (an S3 bucket, say). A file not there is
    missing; a storage that cannot answer raises its StorageError, never "missing"."""

    def __init__(self, storage: ArchiveStorage, folder: str) -> None:
        self.storage, self.folder = storage, folder

    def read(self, name: str) -> bytes | None:
        try:
            return self.storage.get(f"{self.folder}/{name}")
        except MissingFromStorage:
            return None

    def names(self) -> list[str]:
        return self.storage.list(self.folder)


async def _read(files: YearFiles, name: str) -> bytes | None:
    return await asyncio.to_thread(files.read, name)


async def _purged(files: YearFiles, key: Ed25519PublicKey, report: IntegrityReport) -> set[str]:
    record, signature = await _read(files, m.RETENTION), await _read(files, m.RETENTION_SIGNATURE)
    if record is None:
        return set()
    if signature is None or not m.signature_holds(record, signature, key):
        report.found(m.RETENTION, "the retention record's signature does not hold")
        return set()
    return {entry["path"] for entry in json.loads(record).get("purged", [])}


async def check_year_folder(folder: Path, public_key_pem: bytes) -> IntegrityReport:
    """Check the sealed year in `folder` with the school's public key (PEM)."""
    return await check_year(FolderFiles(folder), public_key_pem)


async def check_year(files: YearFiles, public_key_pem: bytes) -> IntegrityReport:
    """Check a sealed year's files with the school's public key (PEM)."""
    report = IntegrityReport()
    try:
        key = m.load_public_key(public_key_pem)
    except ValueError:
        report.found("public key", "not an Ed25519 public key in PEM")
        return report
    content, signature = await _read(files, m.MANIFEST), await _read(files, m.SIGNATURE)
    if content is None:
        report.found(m.MANIFEST, "missing")
        return report
    if signature is None:
        report.found(m.SIGNATURE, "missing")
    elif not m.signature_holds(content, signature, key):
        report.found(m.MANIFEST, "the signature does not hold: changed, or signed with another key")
    try:
        manifest = json.loads(content)
        listed = {entry["path"]: entry for entry in manifest["files"]}
    except (ValueError, KeyError, TypeError):
        report.found(m.MANIFEST, "not a manifest")
        return report
    report.year_id = manifest.get("year", {}).get("year_id")
    purged = await _purged(files, key, report)
    certificate = await _read(files, m.CERTIFICATE)
    certificate_trusted = certificate is not None and m.sha256(certificate) == manifest.get(
        "certificate_sha256"
    )
    for path, entry in sorted(listed.items()):
        data = await _read(files, path)
        if data is None:
            if path in purged:
                report.purged.append(path)
            else:
                report.found(path, "missing")
            continue
        report.files_checked += 1
        if m.sha256(data) != entry["sha256"]:
            report.found(path, "SHA-256 differs from the manifest: the file was changed")
            continue
        if entry["kind"] == "pdf":
            if not certificate_trusted:
                continue  # named once below
            assert certificate is not None
            check = await check_pdf_signature(data, certificate)
            report.signatures_checked += 1
            if not check.valid:
                report.found(path, f"PDF signature: {check.problem}")
    if not certificate_trusted:
        report.found(m.CERTIFICATE, "missing, or not the certificate the manifest names")
    for path in await asyncio.to_thread(files.names):
        if path not in listed and path not in m.DESCRIBING:
            report.found(path, "not in the manifest")
    return report
