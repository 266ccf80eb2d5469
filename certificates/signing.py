"""PAdES signatures on certificate PDFs (pyHanko), by the organiser's PKCS#12 certificate.

``CERTIFICATE_PKCS12_PATH`` / ``CERTIFICATE_PKCS12_PASSWORD`` name a real certificate.
Without one, and unless ``CERTIFICATE_DEMO_SIGNER`` is off, a self-signed demo
certificate is generated once into ``var/certificates/`` (never committed): PDF readers
then show the signer's name and that the document is unaltered, and warn that the
signer's identity is not vouched for by a trusted authority.

Speed (10,000 signatures must fit a few minutes, see docs/benchmarks.md):
pyHanko's ``SimpleSigner`` re-parses its private key and re-encodes the whole CMS
structure for every signature, and dry-runs each one to size it. ``TemplatedSigner``
loads the key once, builds the CMS container once per process, and for each document
only writes that document's digest into the signed attributes and the new RSA
signature over them (both fixed-length fields). ``sign_pdf`` writes that container with
pyHanko's incremental writer; ``InlineSigner`` puts it into a file that ``fastpath`` writes
with the signature dictionary already in place. Either way an ordinary PAdES B-B signature.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import threading
from pathlib import Path

from django.conf import settings

log = logging.getLogger("rakor.certificates")

_lock = threading.Lock()
_state: dict = {}


def demo_pkcs12_path() -> Path:
    return Path(settings.VAR_DIR) / "certificates" / "demo-signer.p12"


def generate_self_signed_pkcs12(path: Path, *, common_name: str, organisation: str,
                                password: bytes | None = None) -> None:
    """A self-signed RSA-2048 signing certificate valid for ten years, as PKCS#12 (mode 0600)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
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
    encryption = (serialization.BestAvailableEncryption(password) if password
                  else serialization.NoEncryption())
    data = pkcs12.serialize_key_and_certificates(common_name.encode(), key, certificate, None, encryption)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def _pkcs12_source() -> tuple[Path, bytes | None] | None:
    path = getattr(settings, "CERTIFICATE_PKCS12_PATH", "")
    if path:
        password = getattr(settings, "CERTIFICATE_PKCS12_PASSWORD", "")
        return Path(path), password.encode() if password else None
    if not getattr(settings, "CERTIFICATE_DEMO_SIGNER", True):
        return None
    demo = demo_pkcs12_path()
    if not demo.exists():
        generate_self_signed_pkcs12(
            demo, common_name="Panitia Rakorwas (sertifikat demo, swasertifikasi)",
            organisation="Inspektorat Jenderal Kementerian Agama Republik Indonesia")
        log.info("certificates: generated the self-signed demo signing certificate %s", demo)
    return demo, None


def _templated_signer_class():
    from asn1crypto import cms
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from pyhanko.sign import signers
    from pyhanko.sign.general import get_pyca_cryptography_hash

    class TemplatedSigner(signers.SimpleSigner):
        """SimpleSigner that builds its CMS container once and patches digest and signature per document."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._key = serialization.load_der_private_key(self.signing_key.dump(), password=None)
            self._templates: dict = {}
            self._template_lock = threading.Lock()

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
            if mechanism == "rsassa_pkcs1v15" and isinstance(self._key, RSAPrivateKey):
                return self._key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
            return super().sign_raw(data, digest_algorithm)

        def _fast(self, digest_algorithm: str) -> bool:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
            return mechanism == "rsassa_pkcs1v15" and isinstance(self._key, RSAPrivateKey)

        async def async_sign(self, data_digest: bytes, digest_algorithm: str, dry_run=False, use_pades=False,
                             timestamper=None, signed_attr_settings=None, is_pdf_sig=True,
                             encap_content_info=None):
            attrs = signed_attr_settings
            # What pyHanko passes for a plain PAdES signature: no CAdES or revocation attributes, and a
            # signing time that PAdES leaves out of the CMS (it goes into the signature dictionary).
            constant = attrs is None or (getattr(attrs, "cades_signed_attrs", None) is None
                                         and getattr(attrs, "adobe_revinfo_attr", None) is None
                                         and (use_pades or attrs.signing_time is None))
            plain = (timestamper is None and encap_content_info is None and constant and not dry_run
                     and self._fast(digest_algorithm))
            if not plain:
                return await super().async_sign(
                    data_digest, digest_algorithm, dry_run=dry_run, use_pades=use_pades, timestamper=timestamper,
                    signed_attr_settings=signed_attr_settings, is_pdf_sig=is_pdf_sig,
                    encap_content_info=encap_content_info)
            key = (digest_algorithm, use_pades, is_pdf_sig)
            template = self._templates.get(key)
            if template is None:
                with self._template_lock:
                    template = self._templates.get(key) or await self._build_template(
                        key, len(data_digest), digest_algorithm, use_pades, is_pdf_sig, attrs)
            out = self.patch_template(template, data_digest, digest_algorithm)
            if out is None:  # cannot happen with RSA PKCS#1 v1.5; be safe anyway
                return await super().async_sign(data_digest, digest_algorithm, use_pades=use_pades,
                                                is_pdf_sig=is_pdf_sig)
            return cms.ContentInfo.load(bytes(out))

        def patch_template(self, template, data_digest: bytes, digest_algorithm: str) -> bytearray | None:
            """The template's DER with this digest in its signed attributes and the RSA signature over them."""
            der, digest_at, attrs_at, attrs_len, sig_at, sig_len = template
            out = bytearray(der)
            out[digest_at:digest_at + len(data_digest)] = data_digest
            # The signature covers the DER of the signed attributes as a SET (tag 0x31).
            attrs = b"\x31" + bytes(out[attrs_at + 1:attrs_at + attrs_len])
            signature = self._key.sign(attrs, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
            if len(signature) != sig_len:
                return None
            out[sig_at:sig_at + sig_len] = signature
            return out

        async def _build_template(self, key, digest_len, digest_algorithm, use_pades, is_pdf_sig, attrs):
            marker = os.urandom(digest_len)
            info = await super().async_sign(marker, digest_algorithm, use_pades=use_pades, is_pdf_sig=is_pdf_sig,
                                            signed_attr_settings=attrs)
            der = info.dump()
            signer_info = info["content"]["signer_infos"][0]
            attrs = signer_info["signed_attrs"].dump()
            signature = signer_info["signature"].native
            positions = [der.find(marker), der.find(attrs), der.find(signature)]
            if -1 in positions or der.count(marker) != 1 or der.count(signature) != 1:
                raise RuntimeError("CMS template: fields not found")
            template = (der, positions[0], positions[1], len(attrs), positions[2], len(signature))
            self._templates[key] = template
            return template

    return TemplatedSigner


def _load() -> dict | None:
    """The process's signer (loaded once), or None when signing is off."""
    source = _pkcs12_source()
    if source is None:
        return None
    from pyhanko.sign import fields, signers

    path, password = source
    loaded = signers.SimpleSigner.load_pkcs12(str(path), passphrase=password)
    signer = _templated_signer_class()(signing_key=loaded.signing_key, signing_cert=loaded.signing_cert,
                                       cert_registry=loaded.cert_registry)
    subject = loaded.signing_cert.subject.native
    label = subject.get("common_name") or loaded.signing_cert.subject.human_friendly
    if subject.get("organization_name"):
        label = f"{label}, {subject['organization_name']}"
    meta = signers.PdfSignatureMetadata(
        field_name="TandaTanganPanitia", md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        name=subject.get("common_name") or label, location=getattr(settings, "CERTIFICATE_SIGNING_LOCATION", "Jakarta"),
        reason="Sertifikat kehadiran diterbitkan oleh panitia",
    )
    return {"signer": signer, "meta": meta, "label": label, "pdf_signer": signers.PdfSigner(meta, signer=signer),
            "reserved": None, "path": str(path)}


def signer_state() -> dict | None:
    key = (getattr(settings, "CERTIFICATE_PKCS12_PATH", ""), getattr(settings, "CERTIFICATE_DEMO_SIGNER", True),
           str(getattr(settings, "VAR_DIR", "")))
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


def sign_pdf(data: bytes) -> bytes:
    """The PDF with a PAdES signature added by incremental update; unchanged when signing is off."""
    state = signer_state()
    if state is None:
        return data
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    if state["reserved"] is None:
        # Size the signature container once (a dry run), not for every document.
        out = state["pdf_signer"].sign_pdf(writer)
        from pyhanko.pdf_utils.reader import PdfFileReader

        sig = PdfFileReader(out).embedded_signatures[0]
        # Hex digits in /Contents: two per byte of the CMS container, with room to spare.
        state["reserved"] = 2 * len(sig.pkcs7_content) + 1024
        return out.getvalue()
    return state["pdf_signer"].sign_pdf(writer, bytes_reserved=state["reserved"]).getvalue()


class InlineSigner:
    """Signs PDFs that ``fastpath`` writes with a signature dictionary already in place.

    The CMS container is the one pyHanko built for its own PAdES signature in this
    process (``TemplatedSigner``'s template, made by signing a one-page document through
    ``PdfSigner`` once), so the signed attributes are exactly pyHanko's; only the digest
    and the RSA signature differ per document.
    """

    def __init__(self, state: dict):
        self.state = state
        signer = state["signer"]
        if not signer._templates:
            sign_pdf(_blank_pdf())
        template_key = next((k for k in signer._templates if k[0] == "sha256" and k[1]), None)
        if template_key is None or not signer._fast("sha256"):
            raise RuntimeError("no PAdES template for SHA-256")
        self.template = signer._templates[template_key]
        self.hex_digits = 2 * len(self.template[0]) + 64
        meta = state["meta"]
        from pyhanko.pdf_utils.generic import pdf_string

        def text(value: str) -> bytes:
            buffer = io.BytesIO()
            pdf_string(value).write_to_stream(buffer)
            return buffer.getvalue()

        self.field_name = text(meta.field_name)
        self.entries = (b"/Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/Name" + text(meta.name)
                        + b"/Location" + text(meta.location) + b"/Reason" + text(meta.reason))
        self.text = text

    def signature_dictionary(self) -> bytes:
        """The /Sig dictionary with a zeroed /Contents and a /ByteRange of fixed width, to be patched."""
        now = dt.datetime.now(dt.timezone.utc).strftime("D:%Y%m%d%H%M%S+00'00'")
        return (b"<<" + self.entries + b"/M" + self.text(now) + b"/ByteRange[0 0000000000 0000000000 0000000000]"
                b"/Contents<" + b"0" * self.hex_digits + b">>>")

    def sign(self, pdf: bytearray, contents_at: int) -> None:
        """Fill the byte range and the CMS into ``pdf`` in place; ``contents_at`` is the offset of ``<``."""
        import hashlib

        end = contents_at + self.hex_digits + 2
        byte_range = b"[0 %010d %010d %010d]" % (contents_at, end, len(pdf) - end)
        at = pdf.rfind(b"/ByteRange[", 0, contents_at) + len(b"/ByteRange")
        pdf[at:at + len(byte_range)] = byte_range
        view = memoryview(pdf)
        digest = hashlib.sha256(view[:contents_at])
        digest.update(view[end:])
        view.release()
        cms_der = self.state["signer"].patch_template(self.template, digest.digest(), "sha256")
        if cms_der is None:
            raise RuntimeError("signature length changed")
        hex_cms = bytes(cms_der).hex().upper().encode()
        pdf[contents_at + 1:contents_at + 1 + len(hex_cms)] = hex_cms


def _blank_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def inline_signer() -> InlineSigner | None:
    """The process's signer for ``fastpath``'s files, or None when PDFs are not signed."""
    state = signer_state()
    if state is None:
        return None
    with _lock:
        if "inline" not in state:
            state["inline"] = None
    if state["inline"] is None:
        state["inline"] = InlineSigner(state)
    return state["inline"]


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
