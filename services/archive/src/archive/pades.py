"""The school's PAdES signature on a printable class journal, and its validation
(pyHanko). The certificate is the school's self-signed one (archive.keys): a validator
trusts it because the signed year manifest names its SHA-256."""

import io
from dataclasses import dataclass

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from archive.keys import SchoolKeys

FIELD = "ArchiveSeal"


def _asn1_certificate(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


async def sign_pdf(pdf: bytes, keys: SchoolKeys, *, reason: str) -> bytes:
    """`pdf` with the school's PAdES (B-B) signature embedded."""
    certificate = _asn1_certificate(keys.certificate)
    signer = signers.SimpleSigner(
        signing_cert=certificate,
        signing_key=asn1_keys.PrivateKeyInfo.load(keys.pdf_key_der()),
        cert_registry=SimpleCertificateStore.from_certs([certificate]),  # type: ignore[no-untyped-call]
    )
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location="Архив электронного журнала",
    )
    out = io.BytesIO()
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    await signers.PdfSigner(metadata, signer=signer).async_sign_pdf(writer, output=out)
    return out.getvalue()


@dataclass(frozen=True)
class PdfSignatureCheck:
    valid: bool
    problem: str | None = None


async def check_pdf_signature(pdf: bytes, certificate_pem: bytes) -> PdfSignatureCheck:
    """Whether `pdf` carries one intact signature by `certificate_pem` covering the whole
    file (nothing added after signing)."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf))
        signatures = reader.embedded_signatures
    except Exception as exc:  # a damaged file is a finding, not a crash
        return PdfSignatureCheck(False, f"not a readable PDF ({type(exc).__name__})")
    if len(signatures) != 1:
        return PdfSignatureCheck(False, f"{len(signatures)} signatures instead of one")
    root = _asn1_certificate(x509.load_pem_x509_certificate(certificate_pem))
    context = ValidationContext(trust_roots=[root], allow_fetching=False)
    try:
        status = await async_validate_pdf_signature(
            signatures[0], signer_validation_context=context
        )
    except Exception as exc:
        return PdfSignatureCheck(False, f"the signature cannot be validated ({type(exc).__name__})")
    if not status.intact or not status.valid:
        return PdfSignatureCheck(False, "the signature does not match the content")
    if not status.trusted:
        return PdfSignatureCheck(False, "signed by another certificate than the school's")
    if status.coverage is None or status.coverage.name != "ENTIRE_FILE":
        return PdfSignatureCheck(False, "the file was changed after signing")
    return PdfSignatureCheck(True)
