"""WeasyPrint documents of a certificate design, laid out through ``rakor.pdf`` (its one URL fetcher).

Both ways of rendering certificates (``rendering``, the stock path, and ``fast``) lay out
designs here: a design that asks for anything but our own static and media files, or for an
attachment, stops with a ``CertificateTemplateError`` that names the template and the URL.
The static layer (what is the same on every certificate of a template) is made once per
process and template version.
"""

from __future__ import annotations

import hashlib

from django.utils.translation import gettext as _

from rakor.pdf import DocumentRefused, layout_document, write_pdf

from .design import CertificateTemplateError, TemplateSpec, static_document_html

_static_pages: dict[tuple, bytes] = {}


def laid_out(spec: TemplateSpec, html: str):
    """The laid-out WeasyPrint document of ``html`` (one of the design's documents)."""
    try:
        return layout_document(html)
    except DocumentRefused as exc:
        raise CertificateTemplateError(spec.name, str(exc))


def pdf_bytes(spec: TemplateSpec, document) -> bytes:
    """A laid-out document as PDF bytes."""
    try:
        return write_pdf(document)
    except DocumentRefused as exc:
        raise CertificateTemplateError(spec.name, str(exc))


def static_layer(spec: TemplateSpec, item: dict) -> bytes:
    """The design's static layer as a one-page PDF (made once per process and template version)."""
    html = static_document_html(spec, item)
    key = (spec.id, hashlib.sha256(html.encode()).hexdigest())
    pdf = _static_pages.get(key)
    if pdf is None:
        document = laid_out(spec, html)
        if len(document.pages) != 1:
            raise CertificateTemplateError(spec.name, _("desain tetap harus tepat satu halaman, bukan %(n)d.")
                                           % {"n": len(document.pages)})
        pdf = pdf_bytes(spec, document)
        if len(_static_pages) > 16:
            _static_pages.clear()
        _static_pages[key] = pdf
    return pdf
