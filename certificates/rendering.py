"""Certificate PDFs: one file per certificate, signed; the stock path, and the fast path when it may.

``render_batch`` makes a batch of certificates of one template. The **stock path**
(``render_batch_weasyprint`` and ``signing.sign_pdf``) uses only the public APIs of its
libraries: one WeasyPrint document per batch (fonts subset once per document), one page
per certificate, found by its anchor (``c-<code>``, ``page.anchors``); the QR code drawn
by WeasyPrint as an SVG image in the element with class ``qr-code``; the pages split into
files with pypdf, the static design merged under each page (``merge_page``); each file
signed by pyHanko's own ``PdfSigner``. It is the one that always works.

The **fast path** (``certificates/fast/``) sets each person's text into the boxes WeasyPrint
measured once per layer shape and writes and signs each file byte by byte, many times
faster (docs/benchmarks.md). It relies on internals of WeasyPrint, pypdf and pyHanko, so it
runs only with ``CERTIFICATE_FAST_PATH`` on and the library versions it was verified against
(``fast.available()``); whatever it cannot set exactly as WeasyPrint would, and any fault of
its own, goes through the stock path. ``tests/certificates/test_fast_equals_stock.py``
proves that both make the same certificates.

Everything a batch needs travels as plain data (``design.TemplateSpec`` and item dicts), so
batches can be rendered in worker processes that never touch the database.
"""

from __future__ import annotations

import io
import logging
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject

from . import fast, signing
from .design import (CertificateTemplateError, TemplateSpec, design_problems, head, qr_matrix, sample_item, section_id,
                     sections)
from .documents import laid_out, pdf_bytes, static_layer

log = logging.getLogger("rakor.certificates")


def render_batch(spec: TemplateSpec, items: list[dict], *, sign: bool = False) -> list[bytes]:
    """One PDF per item, in the order of ``items``; signed (PAdES) when ``sign`` and a signer is configured.

    The fast path takes the certificates it can set exactly as WeasyPrint would (when
    ``fast.available()``); every other certificate, and all of them when the fast path
    fails, goes through the stock path. A design's own error (a refused URL, a broken
    template) is raised for the organiser, whichever path met it.
    """
    done: dict[str, bytes] = {}
    if spec.fields_html and fast.available():
        try:
            done = fast.render_fast(spec, items, sign=sign)
        except CertificateTemplateError:
            raise
        except Exception:  # a fault of the fast path must not stop issuing: the stock path does the batch
            log.exception("certificates: fast path failed for a batch of %s; the stock path renders it", spec.name)
            done = {}
    rest = [item for item in items if item["code"] not in done]
    if rest:
        for item, pdf in zip(rest, _signed(render_batch_weasyprint(spec, rest), sign)):
            done[item["code"]] = pdf
    return [done[item["code"]] for item in items]


def _signed(pdfs: list[bytes], sign: bool) -> list[bytes]:
    if not sign:
        return pdfs
    return [signing.sign_pdf(pdf) for pdf in pdfs]


def qr_css(items: list[dict]) -> str:
    """Each certificate's QR code (its verification URL) as the image of its elements with class "qr-code".

    Filling the element's content box from its top-left corner, as large as fits: where the
    fast path draws it.
    """
    rules = []
    for item in items:
        if item.get("verify_url"):
            uri = qr_matrix(item["verify_url"]).svg_data_uri(scale=1, border=0)
            rules.append(f'#{section_id(item)} .qr-code {{ background: url("{uri}") left top / contain no-repeat '
                         f"content-box; }}")
    return "\n".join(rules)


def document_html(spec: TemplateSpec, items: list[dict]) -> str:
    """One document, one page per certificate: the whole design, or only the per-person layer when it has one."""
    source = spec.fields_html or spec.html
    extra = "" if "{{ qr" in source else qr_css(items)  # a design with {{ qr }} places the code itself
    if spec.fields_html:
        return head(spec, background=False, extra_css=extra) + sections(spec, spec.fields_html, items,
                                                                         "certificate fields") + "</body></html>"
    return head(spec, background=True, extra_css=extra) + sections(spec, spec.html, items, "certificate") \
        + "</body></html>"


def layout(spec: TemplateSpec, items: list[dict]):
    """The laid-out WeasyPrint document of a batch (one page per certificate)."""
    return laid_out(spec, document_html(spec, items))


_NAME = re.compile(rb"/([^\s/\[\]<>(){}%]+)")


def _own_resources(page) -> None:
    """Give a page of the batch a resource dictionary with only what its content names.

    WeasyPrint shares one resource dictionary among a document's pages: without this, each
    person's file would carry every other certificate's QR code (and any per-person image)
    of the batch.
    """
    names = {name.decode("latin-1") for name in _NAME.findall(page.get_contents().get_data())}
    shared = page["/Resources"].get_object()
    own = DictionaryObject()
    for category, entries in shared.items():
        entries = entries.get_object()
        if isinstance(entries, DictionaryObject):
            entries = DictionaryObject({NameObject(key): value for key, value in entries.items()
                                        if key[1:] in names or "#" in key})
        own[NameObject(category)] = entries
    page[NameObject("/Resources")] = own


def render_batch_weasyprint(spec: TemplateSpec, items: list[dict]) -> list[bytes]:
    """One unsigned PDF per item, from one WeasyPrint document for the whole batch (the stock path).

    With a per-person layer (``fields_html``), only that layer is laid out for each
    certificate; the static design is laid out once and merged under each file's first page.
    """
    document = layout(spec, items)
    first_page: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for anchor in page.anchors:
            if anchor.startswith("c-"):
                first_page.setdefault(anchor[2:], index)
    reader = PdfReader(io.BytesIO(pdf_bytes(spec, document)))
    static_page = None
    if spec.fields_html:
        static_page = PdfReader(io.BytesIO(static_layer(spec, items[0]))).pages[0]
    starts = sorted(first_page.values()) + [len(reader.pages)]
    out = []
    for item in items:
        start = first_page.get(item["code"])
        if start is None:
            raise CertificateTemplateError(spec.name, _("sertifikat %(code)s tidak menghasilkan halaman.")
                                           % {"code": item["code"]})
        end = starts[starts.index(start) + 1]
        writer = PdfWriter()
        for n in range(start, end):
            _own_resources(reader.pages[n])
            page = writer.add_page(reader.pages[n])
            if static_page is not None and n == start:
                page.merge_page(static_page, over=False)
        writer.add_metadata({"/Title": f"Sertifikat {item['number']}", "/Subject": item["event_name"],
                             "/Creator": "Rakor"})
        buffer = io.BytesIO()
        writer.write(buffer)
        out.append(buffer.getvalue())
    return out


def render_one_document(spec: TemplateSpec, item: dict) -> bytes:
    """The naive way: one WeasyPrint document holding the whole design for one certificate, QR as an image.

    The benchmark's baseline (docs/benchmarks.md); the same design as the fast path.
    """
    html = spec.html + spec.fields_html.replace('<div class="qr-code"></div>',
                                                '<img class="qr-code" src="{{ qr }}" alt="">')
    single = TemplateSpec(**{**spec.__dict__, "html": html, "fields_html": "", "id": -spec.id - 1})
    whole = head(single, background=True) + sections(single, html, [item], "certificate fields") + "</body></html>"
    return pdf_bytes(single, laid_out(single, whole))


def template_problems(template, *, raise_error: bool = False) -> list[str]:
    """What is wrong with a template, each message naming it; [] when a sample certificate renders.

    Checks the number pattern, the design's template syntax and HTML structure, the page
    size (``design.design_problems``), and renders a sample certificate through the URL
    fetcher (no remote or file:// URLs). With ``raise_error`` raises ValidationError with
    the messages instead.
    """
    spec, errors = design_problems(template)
    if not errors:
        try:
            render_batch(spec, [sample_item(template)])
        except CertificateTemplateError as exc:
            errors["html"] = [str(exc)]
    problems = [message for messages in errors.values() for message in messages]
    if raise_error and problems:
        raise ValidationError(errors)
    return problems
