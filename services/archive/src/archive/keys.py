"""The school's signing keys, made on first use and kept in ARCHIVE_KEYS_DIR/<school>/:

- `manifest-key.pem`: Ed25519, signs each sealed year's manifest (its public half is what
  an offline check needs: `public_key_pem`);
- `pdf-key.pem` and `pdf-certificate.pem`: ECDSA P-256 and its self-signed certificate,
  for the PAdES signature of every printable class journal (readers verify ECDSA;
  Ed25519 in PDF is not widely supported yet). The signed manifest names the
  certificate's SHA-256, so the one public key vouches for the certificate too.

The private keys never go into the archive storage, which is handed out for checks.
"""

import contextlib
import datetime as dt
import hashlib
import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.x509.oid import NameOID

CERTIFICATE_YEARS = 100  # an archived journal is checked decades later


@dataclass(frozen=True)
class SchoolKeys:
    school_id: uuid.UUID
    manifest_key: Ed25519PrivateKey
    pdf_key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    def public_key_pem(self) -> bytes:
        return public_pem(self.manifest_key.public_key())

    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def certificate_sha256(self) -> str:
        return hashlib.sha256(self.certificate.public_bytes(serialization.Encoding.DER)).hexdigest()

    def pdf_key_der(self) -> bytes:
        return self.pdf_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_key_fingerprint(pem: bytes) -> str:
    """SHA-256 of the raw Ed25519 public key (what the API and the docs show)."""
    key = serialization.load_pem_public_key(pem)
    assert isinstance(key, Ed25519PublicKey)
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def _private_pem(key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _self_signed(school_id: uuid.UUID, key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Архив школы"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Электронный журнал"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, str(school_id)),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "RU"),
        ]
    )
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=365 * CERTIFICATE_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def _write_once(path: Path, content: bytes) -> None:
    """Create `path` with `content` unless it exists (another sealer made it first)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o600)
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)  # fails if it is there: the first one made wins
    finally:
        os.unlink(temporary)


def school_keys(keys_dir: Path, school_id: uuid.UUID) -> SchoolKeys:
    """The school's keys, made on first use (and read from then on)."""
    folder = keys_dir / str(school_id)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    manifest_path, pdf_path = folder / "manifest-key.pem", folder / "pdf-key.pem"
    certificate_path = folder / "pdf-certificate.pem"
    if not manifest_path.exists():
        _write_once(manifest_path, _private_pem(Ed25519PrivateKey.generate()))
    if not pdf_path.exists():
        _write_once(pdf_path, _private_pem(ec.generate_private_key(ec.SECP256R1())))
    manifest_key = serialization.load_pem_private_key(manifest_path.read_bytes(), None)
    pdf_key = serialization.load_pem_private_key(pdf_path.read_bytes(), None)
    assert isinstance(manifest_key, Ed25519PrivateKey)
    assert isinstance(pdf_key, ec.EllipticCurvePrivateKey)
    if not certificate_path.exists():
        certificate = _self_signed(school_id, pdf_key)
        _write_once(certificate_path, certificate.public_bytes(serialization.Encoding.PEM))
    certificate = x509.load_pem_x509_certificate(certificate_path.read_bytes())
    return SchoolKeys(school_id, manifest_key, pdf_key, certificate)
