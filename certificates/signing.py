"""PAdES signatures on certificate PDFs (pyHanko), by the organiser's PKCS#12 certificate.

``CERTIFICATE_PKCS12_PATH`` / ``CERTIFICATE_PKCS12_PASSWORD`` name a real certificate.
Without one, and unless ``CERTIFICATE_DEMO_SIGNER`` is off, a self-signed demo
certificate is generated once into ``var/certificates/`` (never committed): PDF readers
then show the signer's name and that the document is unaltered, and warn that the
signer's identity is not vouched for by a trusted authority. Its PKCS#12 is encrypted
with the first of ``CERTIFICATE_DEMO_PKCS12_PASSWORDS`` (``CERTIFICATE_PKCS12_PASSWORD``
when set, else derived from ``SECRET_KEY``); a file that an older password or no
password opens (made before it was encrypted) is re-encrypted with it when loaded.

Signing is pyHanko's own: ``SimpleSigner.load_pkcs12`` and ``PdfSigner`` writing the signature by
incremental update, an ordinary PAdES B-B signature. The fast path (``fast/signer.py``) signs
its own files with the same key, certificate and metadata (``signer_state()``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
import os
import threading
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

log = logging.getLogger("rakor.certificates")

_lock = threading.Lock()
_state: dict = {}


def demo_pkcs12_path() -> Path:
    return Path(settings.VAR_DIR) / "certificates" / "demo-signer.p12"


def generate_self_signed_pkcs12(path: Path, *, common_name: str, organisation: str,
                                password: bytes | None = None) -> None:
    """A self-signed RSA-2048 signing certificate valid for ten years, as PKCS#12 (mode 0600)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_pkcs12(path, common_name.encode(), key, certificate, [], password)


def _write_pkcs12(path: Path, name: bytes, key, certificate, others: list, password: bytes | None) -> None:
    """Write a PKCS#12 file readable by its owner only (0600), atomically; encrypted when ``password``."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    encryption = (serialization.BestAvailableEncryption(password) if password
                  else serialization.NoEncryption())
    data = pkcs12.serialize_key_and_certificates(name, key, certificate, others or None, encryption)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


class DemoSignerError(RuntimeError):
    """The demo signer's PKCS#12 exists but no configured password opens it; the message says what to do."""


def _demo_pkcs12() -> tuple[Path, bytes]:
    """The demo signer's file and its password: generated encrypted, or re-encrypted with the current password."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    path = demo_pkcs12_path()
    passwords = [p.encode() for p in settings.CERTIFICATE_DEMO_PKCS12_PASSWORDS]
    if not path.exists():
        generate_self_signed_pkcs12(
            path, common_name="Panitia Rakorwas (sertifikat demo, swasertifikasi)",
            organisation="Inspektorat Jenderal Kementerian Agama Republik Indonesia", password=passwords[0])
        log.info("certificates: generated the self-signed demo signing certificate %s", path)
        return path, passwords[0]
    data = path.read_bytes()
    for password in [*passwords, None]:
        try:
            loaded = pkcs12.load_pkcs12(data, password)
        except ValueError:
            continue
        if password != passwords[0]:
            _write_pkcs12(path, loaded.cert.friendly_name or b"demo", loaded.key, loaded.cert.certificate,
                          [c.certificate for c in loaded.additional_certs], passwords[0])
            log.info("certificates: re-encrypted the demo signing certificate %s with the current password", path)
        return path, passwords[0]
    raise DemoSignerError(_(
        "%(path)s: sertifikat penanda tangan demo tidak dapat dibuka dengan sandi yang dikonfigurasi "
        "(CERTIFICATE_PKCS12_PASSWORD, atau sandi yang diturunkan dari SECRET_KEY dan SECRET_KEY_FALLBACKS). "
        "Kembalikan SECRET_KEY yang dipakai membuatnya sebagai SECRET_KEY_FALLBACKS, atau hapus berkas itu agar "
        "sertifikat demo baru dibuat.") % {"path": path})


def _pkcs12_source() -> tuple[Path, bytes | None] | None:
    if settings.CERTIFICATE_PKCS12_PATH:
        password = settings.CERTIFICATE_PKCS12_PASSWORD
        return Path(settings.CERTIFICATE_PKCS12_PATH), password.encode() if password else None
    if not settings.CERTIFICATE_DEMO_SIGNER:
        return None
    return _demo_pkcs12()


def _load() -> dict | None:
    """The process's signer (loaded once), or None when signing is off."""
    source = _pkcs12_source()
    if source is None:
        return None
    from pyhanko.sign import fields, signers

    path, password = source
    signer = signers.SimpleSigner.load_pkcs12(str(path), passphrase=password)
    if signer is None:
        raise RuntimeError(f"{path}: pyHanko cannot load this PKCS#12 file (wrong password or not a signing key)")
    subject = signer.signing_cert.subject.native
    label = subject.get("common_name") or signer.signing_cert.subject.human_friendly
    if subject.get("organization_name"):
        label = f"{label}, {subject['organization_name']}"
    meta = signers.PdfSignatureMetadata(
        field_name="TandaTanganPanitia", md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        name=subject.get("common_name") or label, location=settings.CERTIFICATE_SIGNING_LOCATION,
        reason="Sertifikat kehadiran diterbitkan oleh panitia",
    )
    return {"signer": signer, "meta": meta, "label": label, "pdf_signer": signers.PdfSigner(meta, signer=signer),
            "reserved": None, "path": str(path)}


def signer_state() -> dict | None:
    key = (settings.CERTIFICATE_PKCS12_PATH, settings.CERTIFICATE_DEMO_SIGNER, str(settings.VAR_DIR),
           tuple(settings.CERTIFICATE_DEMO_PKCS12_PASSWORDS))
    with _lock:
        if _state.get("key") != key:
            _state.clear()
            _state["key"] = key
            _state["value"] = _load()
        return _state["value"]


def signer_label() -> str:
    """Who signs ("" when PDFs are not signed)."""
    state = signer_state()
    return state["label"] if state else ""


def sign_pdf(data: bytes, *, reason: str | None = None, field_name: str | None = None) -> bytes:
    """The PDF with a PAdES signature added by incremental update; unchanged when signing is off.

    ``reason`` and ``field_name`` name what the signature is for when it is not a certificate (an
    invitation letter, an activity report): the same signer, key and settings, another /Reason.
    """
    state = signer_state()
    if state is None:
        return data
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    pdf_signer = state["pdf_signer"]
    if reason is not None or field_name is not None:
        from pyhanko.sign import signers

        meta = dataclasses.replace(state["meta"], reason=reason or state["meta"].reason,
                                   field_name=field_name or state["meta"].field_name)
        pdf_signer = signers.PdfSigner(meta, signer=state["signer"])
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    if state["reserved"] is None:
        # Size the signature container once (a dry run), not for every document.
        out = pdf_signer.sign_pdf(writer)
        from pyhanko.pdf_utils.reader import PdfFileReader

        sig = PdfFileReader(out).embedded_signatures[0]
        # Hex digits in /Contents: two per byte of the CMS container, with room to spare.
        state["reserved"] = 2 * len(sig.pkcs7_content) + 1024
        return out.getvalue()
    return pdf_signer.sign_pdf(writer, bytes_reserved=state["reserved"]).getvalue()


def blank_pdf() -> bytes:
    """A one-page empty PDF (sizing a signature, checking that a signer works)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def validate_signature(data: bytes) -> dict:
    """What the PDF's signatures say (intact, covers the whole file, signer), for the verification page."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # not a PDF pyHanko can read
        return {"signed": False, "intact": False, "signer": ""}
    if not signatures:
        return {"signed": False, "intact": False, "signer": ""}
    sig = signatures[-1]
    from pyhanko_certvalidator import ValidationContext

    state = signer_state()
    context = ValidationContext(trust_roots=[state["signer"].signing_cert] if state else [])
    try:
        status = validate_pdf_signature(sig, signer_validation_context=context, skip_diff=True)
    except Exception:
        return {"signed": True, "intact": False, "signer": ""}
    subject = status.signing_cert.subject.native if status.signing_cert else {}
    return {"signed": True, "intact": bool(status.intact and status.valid),
            "covers_whole_file": status.coverage.name == "ENTIRE_FILE" if status.coverage else False,
            "signer": subject.get("common_name", "")}
