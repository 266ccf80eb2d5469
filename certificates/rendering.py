"""Certificate PDFs: the design laid out once, each person's text set into it, one file each.

``render_batch`` makes a batch of certificates of one template. With a per-person layer
(``fields_html``) it goes through ``fastpath``: WeasyPrint lays out the static design once and
the per-person layer once per shape, ``typeset`` sets every person's text into those boxes,
and each file is written byte by byte (docs/benchmarks.md has the numbers). Whatever the
fast path cannot set exactly as WeasyPrint would goes through ``render_batch_weasyprint``:
one WeasyPrint document per batch (fonts subset once per document), one page per
certificate, matched to certificates by anchor (``c-<code>``), split into files with pypdf.

Everything a batch needs travels as plain data (``TemplateSpec`` and item dicts), so
batches can be rendered in worker processes that never touch the database.

The organiser's design is a Django template (HTML) plus CSS. Documents go through
``rakor.pdf.OwnFilesFetcher``: a design that asks for a remote URL or a ``file://``
path stops with an error that names the template and the URL.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import logging
import mimetypes
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template import Context, Engine, TemplateSyntaxError
from django.utils import formats
from django.utils.html import escape
from django.utils.translation import get_language, gettext as _

from rakor.pdf import OwnFilesFetcher, RefusedURL, font_config
import segno

DEFAULT_CSS = """\
.frame { margin: 12mm; height: 186mm; box-sizing: border-box; border: 2.5mm double #0b5d3b;
         padding: 10mm 20mm 0; text-align: center; }
.kop { font-size: 11pt; font-weight: bold; letter-spacing: .4pt; margin: 0; }
h1 { font-size: 34pt; letter-spacing: 6pt; margin: 4mm 0 0; color: #0b5d3b; }
.given { margin: 10.5mm 0 0; font-size: 11pt; }
.as { margin: 41mm 0 0; font-size: 11pt; }
.event { font-size: 15pt; font-weight: bold; margin: 2mm 0; }
.when { font-size: 11pt; margin: 0; }
.sign { position: absolute; right: 32mm; top: 145mm; width: 90mm; text-align: center; font-size: 10pt; }
.sign p { margin: 0; }
.sign img { height: 14mm; margin: 1mm 0; }
.sign .sname { font-weight: bold; text-decoration: underline; }
/* The per-person layer: boxes of fixed height in normal flow (cheaper to lay out than absolute
   positioning), so the static design never moves whatever the name's length. */
.fields { padding: 53mm 32mm 0; box-sizing: border-box; text-align: center; }
.fields p { margin: 0; }
.fields .number { height: 16mm; font-size: 10.5pt; }
.fields .name { height: 25mm; font-size: 24pt; font-weight: bold; line-height: 1.2; overflow-wrap: break-word; }
.fields .name.long { font-size: 17pt; }
.fields .name.very-long { font-size: 12.5pt; }
.fields .who { height: 12.5mm; font-size: 10pt; }
.fields .who.long { font-size: 7.5pt; }
.fields .jp { margin-top: 22mm; height: 21.5mm; font-size: 12pt; }
.fields .qr-code { float: left; width: 24mm; height: 24mm; }
.fields .verify { float: left; margin: 10mm 0 0 2mm; width: 80mm; text-align: left; font-size: 7pt; }
.fields .code { font-family: "DejaVu Sans Mono", monospace; font-size: 7.5pt; }
"""

# What is the same on every certificate of the template (rendered once per batch).
DEFAULT_HTML = """\
<div class="frame">
  <p class="kop">KEMENTERIAN AGAMA REPUBLIK INDONESIA<br>INSPEKTORAT JENDERAL</p>
  <h1>SERTIFIKAT</h1>
  <p class="given">diberikan kepada</p>
  <p class="as">atas partisipasinya sebagai <strong>{{ role }}</strong> dalam</p>
  <p class="event">{{ event_name }}</p>
  <p class="when">{{ event_dates }}{% if venue %}, {{ venue }}{% endif %}</p>
</div>
<div class="sign"><p>{{ place_date }}</p><p>{{ signatory_position }}</p>
  {% if signature_url %}<img src="{{ signature_url }}" alt="">{% else %}<p style="height: 16mm"></p>{% endif %}
  <p class="sname">{{ signatory_name }}</p>{% if signatory_nip %}<p>NIP {{ signatory_nip }}</p>{% endif %}</div>
"""

# What differs per person (laid out for every certificate, on top of the design above).
DEFAULT_FIELDS_HTML = """\
<p class="number">Nomor: {{ number }}</p>
<p class="name{% if name|length > 80 %} very-long{% elif name|length > 40 %} long{% endif %}">{{ name }}</p>
<p class="who{% if position|length > 120 or unit|length > 120 %} long{% endif %}">{% if nip %}NIP {{ nip }} · {% endif %}{{ position }}{% if position and unit %}, {% endif %}{{ unit }}</p>
<p class="jp">dengan beban <strong>{{ jp }} JP</strong> (jam pelajaran)</p>
<div class="qr-code"></div>
<p class="verify">Verifikasi: {{ verify_url }}<br><span class="code">{{ code }}</span></p>
"""

# Variables that are the same for every certificate of a template at an event.
STATIC_KEYS = ("role", "event_name", "event_theme", "venue", "event_dates", "place_date")

PAGE_SIZES_MM = {"a4": (210, 297), "a5": (148, 210), "a3": (297, 420), "letter": (216, 279), "legal": (216, 356),
                 "f4": (215, 330)}

# The design's own Django template engine: no project template loaders, no custom tags.
log = logging.getLogger("rakor.certificates")

_ENGINE = Engine(autoescape=True, builtins=[], libraries={})


class CertificateTemplateError(Exception):
    """A certificate template that cannot be rendered; the message names the template."""

    def __init__(self, template_name: str, problem: str):
        self.template_name = template_name
        self.problem = problem
        super().__init__(_("Templat sertifikat “%(name)s”: %(problem)s") % {"name": template_name, "problem": problem})


@dataclass
class TemplateSpec:
    """What a worker process needs to render a template's certificates (no database)."""

    id: int
    name: str
    html: str
    css: str
    fields_html: str
    page_size: str
    background_uri: str
    signature_uri: str
    signatory_name: str
    signatory_position: str
    signatory_nip: str


def page_size_mm(page_size: str) -> tuple[int, int]:
    """(width, height) in mm of "A4 landscape", "A5", …; refuses what we cannot size."""
    words = page_size.lower().split()
    if not words or words[0] not in PAGE_SIZES_MM or len(words) > 2 or (len(words) == 2 and words[1] not in
                                                                        ("landscape", "portrait")):
        raise ValueError(page_size)
    w, h = PAGE_SIZES_MM[words[0]]
    return (h, w) if "landscape" in words else (w, h)


def _file_data_uri(field_file) -> str:
    """A stored upload (background, signature) as a data: URI, read through the storage backend."""
    if not field_file:
        return ""
    try:
        field_file.open("rb")
        try:
            data = field_file.read()
        finally:
            field_file.close()
    except (OSError, ValueError):
        return ""
    mime = mimetypes.guess_type(field_file.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def template_spec(template) -> TemplateSpec:
    return TemplateSpec(
        id=template.pk or 0, name=template.name or template.get_role_display(), html=template.html,
        css=template.css, fields_html=template.fields_html, page_size=template.page_size or "A4 landscape",
        background_uri=_file_data_uri(template.background), signature_uri=_file_data_uri(template.signature_image),
        signatory_name=template.signatory_name, signatory_position=template.signatory_position,
        signatory_nip=template.signatory_nip,
    )


def date_range_label(start: dt.date, end: dt.date) -> str:
    """21–23 November 2022; 30 November – 2 Desember 2022; one day: 21 November 2022."""
    if start == end:
        return formats.date_format(start, "j F Y")
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{formats.date_format(end, 'j F Y')}"
    if start.year == end.year:
        return f"{formats.date_format(start, 'j F')} – {formats.date_format(end, 'j F Y')}"
    return f"{formats.date_format(start, 'j F Y')} – {formats.date_format(end, 'j F Y')}"


@lru_cache(maxsize=64)
def _event_dates(start: dt.date, end: dt.date, city: str, language: str) -> tuple[str, str]:
    return date_range_label(start, end), f"{city}, {formats.date_format(end, 'j F Y')}"


def certificate_item(certificate, *, participant=None, city: str = "Jakarta") -> dict:
    """The variables of one certificate (plain data) from its allocated row."""
    participant = participant or certificate.registration.participant
    unit = participant.unit
    event_dates, place_date = _event_dates(certificate.event_start, certificate.event_end, city, get_language())
    return {
        "code": certificate.code, "template_id": certificate.template_id, "number": certificate.number,
        "name": certificate.recipient_name, "nip": participant.nip, "position": participant.position,
        "unit": unit.name if unit else "", "role": certificate.get_role_display(), "jp": certificate.jp,
        "minutes": certificate.minutes, "event_name": certificate.event_name,
        "event_theme": certificate.event.theme, "venue": certificate.event.venue,
        "event_dates": event_dates, "place_date": place_date,
        "verify_url": certificate.verify_url,
    }


def sample_item(template) -> dict:
    """Made-up variables for checking a template before it is used."""
    return {
        "code": "CONTOH0000000000", "template_id": template.pk or 0, "number": "0001/ITJEN/XI/2022",
        "name": "Dr. H. Contoh Nama Peserta, M.Ag.", "nip": "197001011998031001", "position": "Kepala Bagian Tata Usaha",
        "unit": "Kantor Wilayah Kementerian Agama Provinsi Contoh", "role": template.get_role_display(), "jp": 12,
        "minutes": 540, "event_name": "Rapat Koordinasi Pengawasan 2022",
        "event_theme": "Transformasi Inspektorat Jenderal", "venue": "Jakarta", "event_dates": "21–23 November 2022",
        "place_date": "Jakarta, 23 November 2022", "verify_url": f"{settings.SITE_URL}/v/CONTOH0000000000/",
    }


_compiled: dict[tuple[int, str], object] = {}
_static_pages: dict[tuple, bytes] = {}


def _compile(spec: TemplateSpec, source: str):
    key = (spec.id, source)
    template = _compiled.get(key)
    if template is None:
        try:
            template = _ENGINE.from_string(source)
        except TemplateSyntaxError as exc:
            raise CertificateTemplateError(spec.name, _("HTML/templat rusak: %(error)s") % {"error": exc})
        if len(_compiled) > 64:
            _compiled.clear()
        _compiled[key] = template
    return template


def _qr_matrix(url: str):
    # A fixed mask skips segno's scoring of all eight (a third of the time); any mask is valid QR.
    return segno.make(url, error="m", micro=False, mask=0)


def _head(spec: TemplateSpec, *, background: bool) -> str:
    try:
        width, height = page_size_mm(spec.page_size)
    except ValueError:
        raise CertificateTemplateError(spec.name, _("Ukuran halaman tidak dikenal: %(size)s") % {"size": spec.page_size})
    fonts = "/" + settings.STATIC_URL.strip("/") + "/rakor/fonts/"
    page_background = ""
    if background and spec.background_uri:
        page_background = f'background: url("{spec.background_uri}") no-repeat center / cover;'
    # Naskh for Arabic script only (DejaVu has plainer Arabic glyphs); everything else in DejaVu.
    arabic = "unicode-range: U+0600-06FF, U+0750-077F, U+08A0-08FF, U+FB50-FDFF, U+FE70-FEFF;"
    return f"""<!doctype html><html lang="id"><head><meta charset="utf-8"><style>
@font-face {{ font-family: "DejaVu Sans"; src: url("{fonts}DejaVuSans.ttf"); }}
@font-face {{ font-family: "DejaVu Sans"; src: url("{fonts}DejaVuSans-Bold.ttf"); font-weight: bold; }}
@font-face {{ font-family: "DejaVu Sans Mono"; src: url("{fonts}DejaVuSansMono.ttf"); }}
@font-face {{ font-family: "Noto Naskh Arabic"; src: url("{fonts}NotoNaskhArabic-Regular.ttf"); {arabic} }}
@font-face {{ font-family: "Noto Naskh Arabic"; src: url("{fonts}NotoNaskhArabic-Bold.ttf"); font-weight: bold;
             {arabic} }}
@page {{ size: {width}mm {height}mm; margin: 0; {page_background} }}
html {{ font-family: "Noto Naskh Arabic", "DejaVu Sans", sans-serif; font-size: 11pt; color: #111; }}
body {{ margin: 0; }}
.certificate {{ position: relative; width: {width}mm; height: {height}mm; overflow: hidden; break-after: page;
               break-inside: avoid; }}
</style><style>{spec.css}</style></head><body>"""


def _context(spec: TemplateSpec, item: dict) -> dict:
    context = dict(item)
    context.setdefault("qr", "")
    context.update({"signature_url": spec.signature_uri, "signatory_name": spec.signatory_name,
                    "signatory_position": spec.signatory_position, "signatory_nip": spec.signatory_nip})
    return context


def _sections(spec: TemplateSpec, source: str, items: list[dict], css_class: str) -> str:
    template = _compile(spec, source)
    wants_qr = "{{ qr" in source
    parts = []
    for item in items:
        context = _context(spec, item)
        if wants_qr and not context["qr"] and context.get("verify_url"):
            context["qr"] = _qr_matrix(item["verify_url"]).svg_data_uri(scale=6, border=2)
        try:
            body = template.render(Context(context, autoescape=True))
        except Exception as exc:  # a design's runtime error (e.g. a filter misused)
            raise CertificateTemplateError(spec.name, str(exc))
        parts.append(f'<section class="{css_class}" id="c-{escape(item.get("code", "static"))}">{body}</section>')
    return "".join(parts)


def _document_html(spec: TemplateSpec, items: list[dict]) -> str:
    """One document, one page per certificate: the whole design (or only the per-person layer)."""
    if spec.fields_html:
        return _head(spec, background=False) + _sections(spec, spec.fields_html, items, "certificate fields") \
            + "</body></html>"
    return _head(spec, background=True) + _sections(spec, spec.html, items, "certificate") + "</body></html>"


def _static_document_html(spec: TemplateSpec, item: dict) -> str:
    static = {key: item.get(key, "") for key in STATIC_KEYS}
    return _head(spec, background=True) + _sections(spec, spec.html, [static], "certificate static") \
        + "</body></html>"


def _render(html: str, spec: TemplateSpec):
    from weasyprint import HTML

    try:
        return HTML(string=html, base_url=settings.SITE_URL + "/", url_fetcher=OwnFilesFetcher()).render(
            font_config=font_config())
    except RefusedURL as exc:
        raise CertificateTemplateError(spec.name, str(exc))


def layout(spec: TemplateSpec, items: list[dict]):
    """The laid-out WeasyPrint document of a batch (one page per certificate)."""
    return _render(_document_html(spec, items), spec)


def static_layer(spec: TemplateSpec, item: dict) -> bytes:
    """The design's static layer as a one-page PDF (made once per process and template version)."""
    html = _static_document_html(spec, item)
    key = (spec.id, hashlib.sha256(html.encode()).hexdigest())
    pdf = _static_pages.get(key)
    if pdf is None:
        document = _render(html, spec)
        if len(document.pages) != 1:
            raise CertificateTemplateError(spec.name, _("desain tetap harus tepat satu halaman, bukan %(n)d.")
                                           % {"n": len(document.pages)})
        pdf = document.write_pdf()
        if len(_static_pages) > 16:
            _static_pages.clear()
        _static_pages[key] = pdf
    return pdf


def _boxes(box):
    yield box
    for child in getattr(box, "children", ()):
        yield from _boxes(child)


def _qr_slots(page) -> list[tuple[float, float, float, float]]:
    """(x, y, width, height) in CSS px of the elements with class "qr-code" on a laid-out page."""
    slots = []
    for box in _boxes(page._page_box):
        element = getattr(box, "element", None)
        if element is not None and "qr-code" in (element.get("class") or "").split() \
                and hasattr(box, "content_box_x") and getattr(box, "element_tag", "") != "" \
                and not type(box).__name__.startswith(("Line", "Text", "Inline")):
            slots.append((box.content_box_x(), box.content_box_y(), box.width, box.height))
    return slots[:1]


def qr_ops(url: str, slot, page_height_pt: float) -> bytes:
    """PDF drawing operators for the QR code of ``url`` filling ``slot`` (dark runs as rectangles)."""
    x_px, y_px, w_px, h_px = slot
    matrix = _qr_matrix(url).matrix
    n = len(matrix)
    size = min(w_px, h_px) * 0.75
    module = size / n
    left = x_px * 0.75
    top = page_height_pt - y_px * 0.75
    ops = ["q 0 0 0 rg"]
    for r, row in enumerate(matrix):
        y = top - (r + 1) * module
        c = 0
        while c < n:
            if row[c] & 1:
                start = c
                while c < n and row[c] & 1:
                    c += 1
                ops.append(f"{left + start * module:.3f} {y:.3f} {(c - start) * module:.3f} {module + 0.02:.3f} re")
            else:
                c += 1
    ops.append("f Q")
    return ("\n".join(ops) + "\n").encode()


def _stream(data: bytes):
    from pypdf.generic import DecodedStreamObject

    stream = DecodedStreamObject()
    stream.set_data(data)
    return stream


def render_batch(spec: TemplateSpec, items: list[dict], *, sign: bool = False) -> list[bytes]:
    """One PDF per item, in the order of ``items``; signed (PAdES) when ``sign`` and a signer is configured.

    With a per-person layer (``fields_html``) the fast path (``fastpath``) sets each
    person's text into the boxes WeasyPrint found once per layer shape, and writes each
    file from the shared static design and font subsets. Whoever it cannot set exactly
    as WeasyPrint would, and templates without a per-person layer, go through
    ``render_batch_weasyprint``.
    """
    if not spec.fields_html or not getattr(settings, "CERTIFICATE_FAST_PATH", True):
        return _signed(render_batch_weasyprint(spec, items), sign)
    from . import fastpath

    compiled = _compile(spec, spec.fields_html)
    prepared = fastpath.prepare(spec, items, compiled, lambda html: _render(html, spec))
    done: dict[str, bytes] = {}
    ready = [p for p in prepared if p is not None]
    if ready:
        static_pdf = static_layer(spec, items[0])  # a design error here is the organiser's to see
        try:
            _write_fast(spec, static_pdf, ready, sign, done)
        except Exception:  # a fault of the fast path must not stop issuing: WeasyPrint does the batch
            log.exception("certificates: fast path failed for a batch of %s; WeasyPrint lays it out", spec.name)
            done.clear()
    rest = [item for item in items if item["code"] not in done]
    if rest:
        for item, pdf in zip(rest, _signed(render_batch_weasyprint(spec, rest), sign)):
            done[item["code"]] = pdf
    return [done[item["code"]] for item in items]


def _write_fast(spec: TemplateSpec, static_pdf: bytes, ready: list, sign: bool, done: dict[str, bytes]) -> None:
    from . import fastpath, signing

    key = hashlib.sha256(static_pdf).hexdigest()
    static = _static_objects.get(key)
    if static is None:
        if len(_static_objects) > 16:
            _static_objects.clear()
        static = _static_objects[key] = fastpath.static_objects(static_pdf)
    writer = fastpath.BatchWriter(static, ready)
    signer = signing.inline_signer() if sign else None
    height_pt = static[1][3] - static[1][1]
    for person in ready:
        slot = person.layout.qr_slot
        qr = qr_ops(person.item["verify_url"], slot, height_pt) if slot and person.item.get("verify_url") else b""
        done[person.item["code"]] = writer.write(person, qr, signer)


def _signed(pdfs: list[bytes], sign: bool) -> list[bytes]:
    if not sign:
        return pdfs
    from .signing import sign_pdf

    return [sign_pdf(pdf) for pdf in pdfs]


_static_objects: dict[str, tuple] = {}


def render_batch_weasyprint(spec: TemplateSpec, items: list[dict]) -> list[bytes]:
    """One unsigned PDF per item, from one WeasyPrint document for the whole batch.

    With a per-person layer (``fields_html``), only that layer is laid out for each
    certificate; the static design is laid out once and drawn under every page as a
    Form XObject. QR codes go into the boxes with class ``qr-code`` as vector
    rectangles, straight into the PDF.
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject

    document = layout(spec, items)
    first_page: dict[str, int] = {}
    slots: dict[int, list] = {}
    for index, page in enumerate(document.pages):
        for anchor in page.anchors:
            if anchor.startswith("c-"):
                first_page.setdefault(anchor[2:], index)
        slots[index] = _qr_slots(page)
    try:
        batch = document.write_pdf()
    except RefusedURL as exc:
        raise CertificateTemplateError(spec.name, str(exc))
    reader = PdfReader(io.BytesIO(batch))
    static = None
    if spec.fields_html:
        static_reader = PdfReader(io.BytesIO(static_layer(spec, items[0])))
        static_page = static_reader.pages[0]
        static = (static_page, static_page.get_contents().get_data(), static_page.mediabox)
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
            page = writer.add_page(reader.pages[n])
            under, over = b"", b""
            if static is not None and n == start:
                static_page, content, box = static
                form = _stream(content)
                form.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                             NameObject("/BBox"): box, NameObject("/Resources"): static_page["/Resources"].clone(writer)})
                form_ref = writer._add_object(form)
                resources = page["/Resources"].get_object()
                xobjects = resources.get("/XObject")
                xobjects = xobjects.get_object() if xobjects is not None else DictionaryObject()
                xobjects[NameObject("/RkStatic")] = form_ref
                resources[NameObject("/XObject")] = xobjects
                under = b"q /RkStatic Do Q\n"
            height = float(page.mediabox.height)
            for slot in slots.get(n, []):
                over += qr_ops(item["verify_url"], slot, height)
            if under or over:
                contents = page.get("/Contents")
                existing = list(contents.get_object()) if isinstance(contents.get_object(), ArrayObject) \
                    else [contents]
                page[NameObject("/Contents")] = ArrayObject(
                    [writer._add_object(_stream(under + b"q\n")), *existing,
                     writer._add_object(_stream(b"\nQ\n" + over))])
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
    from weasyprint import HTML

    html = spec.html + spec.fields_html.replace('<div class="qr-code"></div>',
                                                '<img class="qr-code" src="{{ qr }}" alt="">')
    single = TemplateSpec(**{**spec.__dict__, "html": html, "fields_html": "", "id": -spec.id - 1})
    document_html = _head(single, background=True) + _sections(single, html, [item], "certificate fields") \
        + "</body></html>"
    return HTML(string=document_html, base_url=settings.SITE_URL + "/", url_fetcher=OwnFilesFetcher()).write_pdf(
        font_config=font_config())


# ---------------------------------------------------------------- checking a template before use

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
OPTIONAL_END = {"p", "li", "dt", "dd", "tr", "td", "th", "option", "thead", "tbody", "tfoot", "colgroup"}


class _BalanceChecker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, int]] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append((tag, self.getpos()[0]))

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        line = self.getpos()[0]
        if tag in VOID:
            return
        if not any(t == tag for t, _l in self.stack):
            self.problems.append(_("tag penutup </%(tag)s> di baris %(line)d tidak punya pasangan.")
                                 % {"tag": tag, "line": line})
            return
        while self.stack:
            open_tag, open_line = self.stack.pop()
            if open_tag == tag:
                return
            if open_tag not in OPTIONAL_END:
                self.problems.append(_("tag <%(tag)s> di baris %(line)d tidak ditutup sebelum </%(end)s>.")
                                     % {"tag": open_tag, "line": open_line, "end": tag})

    def close(self):
        super().close()
        for tag, line in self.stack:
            if tag not in OPTIONAL_END:
                self.problems.append(_("tag <%(tag)s> di baris %(line)d tidak ditutup.") % {"tag": tag, "line": line})


def html_problems(html: str) -> list[str]:
    checker = _BalanceChecker()
    checker.feed(html)
    checker.close()
    return checker.problems


def template_problems(template, *, raise_error: bool = False) -> list[str]:
    """What is wrong with a template, each message naming it; [] when a sample certificate renders.

    Checks the number pattern, the design's template syntax and HTML structure, the page
    size, and renders a sample certificate through the URL fetcher (no remote or file://
    URLs). With ``raise_error`` raises ValidationError with the messages instead.
    """
    from .numbering import PatternError, check_pattern

    name = template.name or template.get_role_display()
    problems: list[str] = []
    errors: dict[str, list[str]] = {}

    def add(field, problem):
        message = _("Templat sertifikat “%(name)s”: %(problem)s") % {"name": name, "problem": problem}
        problems.append(message)
        errors.setdefault(field, []).append(message)

    try:
        check_pattern(template.number_pattern)
    except PatternError as exc:
        add("number_pattern", str(exc))
    try:
        page_size_mm(template.page_size or "")
    except ValueError:
        add("page_size", _("Ukuran halaman tidak dikenal: %(size)s") % {"size": template.page_size})
    spec = TemplateSpec(id=0, name=name, html=template.html, css=template.css, fields_html=template.fields_html,
                        page_size=template.page_size,
                        background_uri=_file_data_uri(template.background),
                        signature_uri=_file_data_uri(template.signature_image),
                        signatory_name=template.signatory_name, signatory_position=template.signatory_position,
                        signatory_nip=template.signatory_nip)
    sample = sample_item(template)
    sample.update({"qr": "data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22/%3E",
                   "signature_url": spec.signature_uri, "signatory_name": spec.signatory_name,
                   "signatory_position": spec.signatory_position, "signatory_nip": spec.signatory_nip})
    for field, source in (("html", template.html), ("fields_html", template.fields_html)):
        try:
            compiled = _ENGINE.from_string(source)
        except TemplateSyntaxError as exc:
            add(field, _("HTML/templat rusak: %(error)s") % {"error": exc})
            continue
        try:
            rendered = compiled.render(Context(sample, autoescape=True))
        except Exception as exc:
            add(field, str(exc))
        else:
            for problem in html_problems(rendered):
                add(field, _("HTML rusak: %(problem)s") % {"problem": problem})
    if not problems:
        try:
            render_batch(spec, [sample_item(template)])
        except CertificateTemplateError as exc:
            add("html", exc.problem)
    if raise_error and problems:
        raise ValidationError(errors)
    return problems
