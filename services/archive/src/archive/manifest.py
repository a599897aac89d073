"""A sealed year's manifest: every file the seal stored with its SHA-256 and size, the
year it is of, and the SHA-256 of the school's PDF certificate; signed with the school's
Ed25519 key. The signature (`manifest.json.sig`, base64) covers the exact bytes of
`manifest.json`, which is canonical JSON, so anyone can check it with the public key
alone (`python -m archive verify`)."""

import base64
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

FORMAT = "archive-year/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.sig"
PUBLIC_KEY = "public-key.pem"
CERTIFICATE = "school-certificate.pem"
RETENTION = "retention.json"
RETENTION_SIGNATURE = "retention.json.sig"
# Beside the listed files: what describes them.
DESCRIBING = frozenset({MANIFEST, SIGNATURE, PUBLIC_KEY, RETENTION, RETENTION_SIGNATURE})


def canonical_json(document: dict[str, Any]) -> bytes:
    text = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.encode() + b"\n"


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@dataclass(frozen=True)
class ListedFile:
    path: str
    kind: str
    sha256: str
    size: int
    class_id: str | None = None
    class_name: str | None = None
    grade: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "sha256": self.sha256,
            "size": self.size,
            "class_id": self.class_id,
            "class_name": self.class_name,
            "grade": self.grade,
        }


def year_manifest(
    *,
    header: dict[str, Any],
    export_sha256: str,
    class_journals: int,
    sealed_at: dt.datetime,
    certificate_sha256: str,
    files: list[ListedFile],
    retention: dict[str, str],
) -> bytes:
    return canonical_json(
        {
            "format": FORMAT,
            "school_id": header["school_id"],
            "year": header["year"],
            "export": {
                "format": header["format"],
                "sha256": export_sha256,
                "class_journals": class_journals,
            },
            "sealed_at": sealed_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "certificate_sha256": certificate_sha256,
            "retention": retention,
            "files": [f.as_json() for f in sorted(files, key=lambda f: f.path)],
        }
    )


def sign(content: bytes, key: Ed25519PrivateKey) -> bytes:
    """The detached signature file's content: base64 of the Ed25519 signature."""
    return base64.b64encode(key.sign(content)) + b"\n"


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def signature_holds(content: bytes, signature: bytes, key: Ed25519PublicKey) -> bool:
    try:
        key.verify(base64.b64decode(signature.strip(), validate=True), content)
    except (InvalidSignature, ValueError):
        return False
    return True
