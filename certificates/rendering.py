"""Certificate PDFs: many certificates in one WeasyPrint document, then one file each.

WeasyPrint spends most of a small document's time subsetting fonts, once per
document. So a batch of certificates (same template) is laid out as ONE document,
one page per certificate, and pypdf copies each page into a file of its own
(docs/benchmarks/certificates.md has the numbers). Each certificate's section carries
an anchor (``c-<code>``), so pages are matched to certificates by anchor, not by
counting.

Everything a batch needs travels as plain data (``TemplateSpec`` and item dicts), so
batches can be rendered in worker processes that never touch the database.

The organiser's design is a Django template (HTML) plus CSS. Documents go through
``rakor.pdf.OwnFilesFetcher``: a design that asks for a remote URL or a ``file://``
path stops with an error that names the template and the URL.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import mimetypes
from dataclasses import dataclass
from html.parser import HTMLParser

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template import Context, Engine, TemplateSyntaxError
from django.utils import formats
from django.utils.html import escape
from django.utils.translation import gettext as _

from rakor.pdf import OwnFilesFetcher, RefusedURL, font_config
from rakor.qr import qr_data_uri

DEFAULT_CSS = """\
.frame { position: absolute; inset: 12mm; border: 2.5mm double #0b5d3b; padding: 12mm 22mm 10mm;
         text-align: center; }
.kop { font-size: 11pt; font-weight: bold; letter-spacing: .4pt; margin: 0; }
h1 { font-size: 34pt; letter-spacing: 6pt; margin: 6mm 0 1mm; color: #0b5d3b; }
.number { margin: 0 0 5mm; font-size: 10.5pt; }
.given { margin: 0; font-size: 11pt; }
.name { font-size: 24pt; font-weight: bold; margin: 3mm 0 1mm; line-height: 1.25;
        overflow-wrap: anywhere; hyphens: auto; max-width: 100%; }
.name.long { font-size: 17pt; }
.name.very-long { font-size: 13pt; }
.who { margin: 0 0 4mm; font-size: 10.5pt; }
.as { margin: 0; font-size: 11pt; }
.event { font-size: 15pt; font-weight: bold; margin: 2mm 0; }
.when { font-size: 11pt; margin: 0; }
.jp { font-size: 12pt; margin: 3mm 0 0; }
.foot { position: absolute; left: 22mm; right: 22mm; bottom: 10mm; height: 42mm; }
.sign { position: absolute; right: 0; bottom: 0; width: 85mm; text-align: center; font-size: 10pt; }
.sign img { height: 16mm; margin: 1mm 0; }
.sign .blank { height: 16mm; }
.sign .sname { font-weight: bold; text-decoration: underline; }
.verify { position: absolute; left: 0; bottom: 0; width: 70mm; text-align: left; font-size: 7pt; }
.verify img { width: 26mm; height: 26mm; display: block; }
.verify .code { font-family: "DejaVu Sans Mono", monospace; font-size: 7.5pt; }
"""

DEFAULT_HTML = """\
<div class="frame">
  <p class="kop">KEMENTERIAN AGAMA REPUBLIK INDONESIA<br>INSPEKTORAT JENDERAL</p>
  <h1>SERTIFIKAT</h1>
  <p class="number">Nomor: {{ number }}</p>
  <p class="given">diberikan kepada</p>
  <p class="name{% if name|length > 80 %} very-long{% elif name|length > 40 %} long{% endif %}">{{ name }}</p>
  <p class="who">{% if nip %}NIP {{ nip }} · {% endif %}{{ position }}{% if position and unit %}, {% endif %}{{ unit }}</p>
  <p class="as">atas partisipasinya sebagai <strong>{{ role }}</strong> dalam</p>
  <p class="event">{{ event_name }}</p>
  <p class="when">{{ event_dates }}{% if venue %}, {{ venue }}{% endif %}</p>
  <p class="jp">dengan beban <strong>{{ jp }} JP</strong> (jam pelajaran)</p>
  <div class="foot">
    <div class="verify"><img src="{{ qr }}" alt="QR">Verifikasi: {{ verify_url }}<br><span class="code">{{ code }}</span></div>
    <div class="sign">{{ place_date }}<br>{{ signatory_position }}<br>
      {% if signature_url %}<img src="{{ signature_url }}" alt="">{% else %}<div class="blank"></div>{% endif %}<br>
      <span class="sname">{{ signatory_name }}</span>{% if signatory_nip %}<br>NIP {{ signatory_nip }}{% endif %}</div>
  </div>
</div>
"""

PAGE_SIZES_MM = {"a4": (210, 297), "a5": (148, 210), "a3": (297, 420), "letter": (216, 279), "legal": (216, 356),
                 "f4": (215, 330)}

# The design's own Django template engine: no project template loaders, no custom tags.
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
        css=template.css, page_size=template.page_size or "A4 landscape",
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


def certificate_item(certificate, *, participant=None, city: str = "Jakarta") -> dict:
    """The variables of one certificate (plain data) from its allocated row."""
    participant = participant or certificate.registration.participant
    unit = participant.unit
    return {
        "code": certificate.code, "template_id": certificate.template_id, "number": certificate.number,
        "name": certificate.recipient_name, "nip": participant.nip, "position": participant.position,
        "unit": unit.name if unit else "", "role": certificate.get_role_display(), "jp": certificate.jp,
        "minutes": certificate.minutes, "event_name": certificate.event_name,
        "event_theme": certificate.event.theme, "venue": certificate.event.venue,
        "event_dates": date_range_label(certificate.event_start, certificate.event_end),
        "place_date": f"{city}, {formats.date_format(certificate.event_end, 'j F Y')}",
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


def _compile(spec: TemplateSpec):
    key = (spec.id, spec.html)
    template = _compiled.get(key)
    if template is None:
        try:
            template = _ENGINE.from_string(spec.html)
        except TemplateSyntaxError as exc:
            raise CertificateTemplateError(spec.name, _("HTML/templat rusak: %(error)s") % {"error": exc})
        if len(_compiled) > 64:
            _compiled.clear()
        _compiled[key] = template
    return template


def _document_html(spec: TemplateSpec, items: list[dict]) -> str:
    try:
        width, height = page_size_mm(spec.page_size)
    except ValueError:
        raise CertificateTemplateError(spec.name, _("Ukuran halaman tidak dikenal: %(size)s") % {"size": spec.page_size})
    template = _compile(spec)
    fonts = "/" + settings.STATIC_URL.strip("/") + "/rakor/fonts/"
    background = f'background: url("{spec.background_uri}") no-repeat center / cover;' if spec.background_uri else ""
    # Naskh for Arabic script only (DejaVu has plainer Arabic glyphs); everything else in DejaVu.
    arabic = "unicode-range: U+0600-06FF, U+0750-077F, U+08A0-08FF, U+FB50-FDFF, U+FE70-FEFF;"
    head = f"""<!doctype html><html lang="id"><head><meta charset="utf-8"><style>
@font-face {{ font-family: "DejaVu Sans"; src: url("{fonts}DejaVuSans.ttf"); }}
@font-face {{ font-family: "DejaVu Sans"; src: url("{fonts}DejaVuSans-Bold.ttf"); font-weight: bold; }}
@font-face {{ font-family: "DejaVu Sans Mono"; src: url("{fonts}DejaVuSansMono.ttf"); }}
@font-face {{ font-family: "Noto Naskh Arabic"; src: url("{fonts}NotoNaskhArabic-Regular.ttf"); {arabic} }}
@font-face {{ font-family: "Noto Naskh Arabic"; src: url("{fonts}NotoNaskhArabic-Bold.ttf"); font-weight: bold;
             {arabic} }}
@page {{ size: {width}mm {height}mm; margin: 0; {background} }}
html {{ font-family: "Noto Naskh Arabic", "DejaVu Sans", sans-serif; font-size: 11pt; color: #111; }}
body {{ margin: 0; }}
.certificate {{ position: relative; width: {width}mm; height: {height}mm; overflow: hidden; break-after: page;
               break-inside: avoid; }}
</style><style>{spec.css}</style></head><body>"""
    parts = [head]
    for item in items:
        context = dict(item)
        context.update({"qr": item.get("qr") or qr_data_uri(item["verify_url"]),
                        "signature_url": spec.signature_uri, "signatory_name": spec.signatory_name,
                        "signatory_position": spec.signatory_position, "signatory_nip": spec.signatory_nip})
        try:
            body = template.render(Context(context, autoescape=True))
        except Exception as exc:  # a design's runtime error (e.g. a filter misused)
            raise CertificateTemplateError(spec.name, str(exc))
        parts.append(f'<section class="certificate" id="c-{escape(item["code"])}">{body}</section>')
    parts.append("</body></html>")
    return "".join(parts)


def layout(spec: TemplateSpec, items: list[dict]):
    """The laid-out WeasyPrint document of a batch (one page per certificate)."""
    from weasyprint import HTML

    html = _document_html(spec, items)
    try:
        return HTML(string=html, base_url=settings.SITE_URL + "/", url_fetcher=OwnFilesFetcher()).render(
            font_config=font_config())
    except RefusedURL as exc:
        raise CertificateTemplateError(spec.name, str(exc))


def render_batch(spec: TemplateSpec, items: list[dict]) -> list[bytes]:
    """One unsigned PDF per item, from one WeasyPrint document for the whole batch."""
    from pypdf import PdfReader, PdfWriter

    document = layout(spec, items)
    first_page: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for anchor in page.anchors:
            if anchor.startswith("c-"):
                first_page.setdefault(anchor[2:], index)
    try:
        batch = document.write_pdf()
    except RefusedURL as exc:
        raise CertificateTemplateError(spec.name, str(exc))
    reader = PdfReader(io.BytesIO(batch))
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
            writer.add_page(reader.pages[n])
        writer.add_metadata({"/Title": f"Sertifikat {item['number']}", "/Subject": item["event_name"],
                             "/Creator": "Rakor"})
        buffer = io.BytesIO()
        writer.write(buffer)
        out.append(buffer.getvalue())
    return out


def render_one_document(spec: TemplateSpec, item: dict) -> bytes:
    """The naive way, one WeasyPrint document for one certificate (the benchmark's baseline)."""
    from weasyprint import HTML

    return HTML(string=_document_html(spec, [item]), base_url=settings.SITE_URL + "/",
                url_fetcher=OwnFilesFetcher()).write_pdf(font_config=font_config())


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
    spec = TemplateSpec(id=0, name=name, html=template.html, css=template.css, page_size=template.page_size,
                        background_uri=_file_data_uri(template.background),
                        signature_uri=_file_data_uri(template.signature_image),
                        signatory_name=template.signatory_name, signatory_position=template.signatory_position,
                        signatory_nip=template.signatory_nip)
    compiled = None
    try:
        compiled = _ENGINE.from_string(template.html)
    except TemplateSyntaxError as exc:
        add("html", _("HTML/templat rusak: %(error)s") % {"error": exc})
    if compiled is not None:
        sample = sample_item(template)
        sample.update({"qr": "data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22/%3E",
                       "signature_url": spec.signature_uri})
        try:
            rendered = compiled.render(Context(sample, autoescape=True))
        except Exception as exc:
            add("html", str(exc))
        else:
            for problem in html_problems(rendered):
                add("html", _("HTML rusak: %(problem)s") % {"problem": problem})
    if not problems:
        try:
            render_batch(spec, [sample_item(template)])
        except CertificateTemplateError as exc:
            add("html", exc.problem)
    if raise_error and problems:
        raise ValidationError(errors)
    return problems
