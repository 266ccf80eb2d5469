"""The fast path's signature: pyHanko's own CMS container, built once per process, patched per file.

pyHanko's ``SimpleSigner`` re-parses its private key and re-encodes the whole CMS structure for
every signature. ``TemplatedSigner`` builds the container once per process, through pyHanko's
own ``PdfSigner`` signing a one-page document, and for each file only writes that file's digest
into the signed attributes and the new RSA signature over them (both fixed-length fields).
``InlineSigner`` puts the result into a file that ``writer`` writes with the signature
dictionary already in place. The result is an ordinary PAdES B-B signature, with the key,
certificate and metadata of ``signing.signer_state()`` (the stock path's signer).

This relies on pyHanko's internals (overriding ``SimpleSigner.async_sign`` with its full keyword
list, the DER layout of its CMS container, the ``/Sig`` dictionary written by hand): this is why
the fast path runs only with the versions in ``versions.py``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import threading

from .. import signing

_lock = threading.Lock()


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

        def fast(self, digest_algorithm: str) -> bool:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
            return mechanism == "rsassa_pkcs1v15" and isinstance(self._key, RSAPrivateKey)

        def pades_template(self, digest_algorithm: str):
            """The container built for a PAdES signature with ``digest_algorithm``, or None before the first one."""
            key = next((k for k in self._templates if k[0] == digest_algorithm and k[1]), None)
            return self._templates[key] if key is not None else None

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
                     and self.fast(digest_algorithm))
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


class InlineSigner:
    """Signs PDFs that ``writer`` writes with a signature dictionary already in place.

    The CMS container is the one pyHanko built for its own PAdES signature in this process
    (made by signing a one-page document through ``PdfSigner`` with the stock path's key,
    certificate and metadata), so the signed attributes are exactly pyHanko's; only the
    digest and the RSA signature differ per document.
    """

    def __init__(self, state: dict):
        from pyhanko.pdf_utils.generic import pdf_string
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import signers

        stock = state["signer"]
        self.signer = _templated_signer_class()(signing_key=stock.signing_key, signing_cert=stock.signing_cert,
                                                cert_registry=stock.cert_registry)
        meta = state["meta"]
        signers.PdfSigner(meta, signer=self.signer).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(signing.blank_pdf())))
        self.template = self.signer.pades_template("sha256")
        if self.template is None or not self.signer.fast("sha256"):
            raise RuntimeError("no PAdES template for SHA-256")
        self.hex_digits = 2 * len(self.template[0]) + 64

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
        end = contents_at + self.hex_digits + 2
        byte_range = b"[0 %010d %010d %010d]" % (contents_at, end, len(pdf) - end)
        at = pdf.rfind(b"/ByteRange[", 0, contents_at) + len(b"/ByteRange")
        pdf[at:at + len(byte_range)] = byte_range
        view = memoryview(pdf)
        digest = hashlib.sha256(view[:contents_at])
        digest.update(view[end:])
        view.release()
        cms_der = self.signer.patch_template(self.template, digest.digest(), "sha256")
        if cms_der is None:
            raise RuntimeError("signature length changed")
        hex_cms = bytes(cms_der).hex().upper().encode()
        pdf[contents_at + 1:contents_at + 1 + len(hex_cms)] = hex_cms


_inline: dict = {}


def inline_signer() -> InlineSigner | None:
    """The process's signer for ``writer``'s files, or None when PDFs are not signed.

    Made once per signer of the stock path (a new key or certificate makes a new one).
    """
    state = signing.signer_state()
    if state is None:
        return None
    with _lock:
        if _inline.get("state") is not state:
            _inline.clear()
            _inline["state"], _inline["signer"] = state, InlineSigner(state)
        return _inline["signer"]
