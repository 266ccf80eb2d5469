"""A certificate template's design as plain data and HTML: what both ways of rendering it share.

The organiser's design is a Django template (HTML) plus CSS in two layers: ``html``, what is
the same on every certificate of the template, and ``fields_html``, what differs per person.
This module turns a template and its certificates into plain data (``TemplateSpec`` and item
dicts, so that worker processes need no database) and into the HTML documents that
WeasyPrint lays out. It imports no WeasyPrint: ``rendering`` (the stock path) and ``fast``
(the fast path) both build on it, and neither is imported here.
"""

from __future__ import annotations

import base64
import datetime as dt
import mimetypes
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser

import segno
from django.conf import settings
from django.template import Context, Engine, TemplateSyntaxError
from django.utils import formats
from django.utils.html import escape
from django.utils.translation import get_language, gettext as _

from .numbering import PatternError, check_pattern

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

# What differs per person (laid out for every certificate, on top of the design above). The element
# with class "qr-code" receives the QR code of the certificate's verification URL.
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


def file_data_uri(field_file) -> str:
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
        background_uri=file_data_uri(template.background), signature_uri=file_data_uri(template.signature_image),
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


def compile_source(spec: TemplateSpec, source: str):
    """The design's Django template (``spec.html`` or ``spec.fields_html``), compiled once per process."""
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


def qr_matrix(url: str):
    """segno's QR code of ``url`` (error level M), the same on both paths."""
    # A fixed mask skips segno's scoring of all eight (a third of the time); any mask is valid QR.
    return segno.make(url, error="m", micro=False, mask=0)


def head(spec: TemplateSpec, *, background: bool, extra_css: str = "") -> str:
    """The document up to ``<body>``: the shipped fonts, the page size, the design's CSS (then ``extra_css``)."""
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
    extra = f"<style>{extra_css}</style>" if extra_css else ""
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
</style><style>{spec.css}</style>{extra}</head><body>"""


def person_context(spec: TemplateSpec, item: dict) -> dict:
    """The variables a design sees for one certificate: the item's and the template's signatory."""
    context = dict(item)
    context.setdefault("qr", "")
    context.update({"signature_url": spec.signature_uri, "signatory_name": spec.signatory_name,
                    "signatory_position": spec.signatory_position, "signatory_nip": spec.signatory_nip})
    return context


def render_source(spec: TemplateSpec, compiled, item: dict) -> str:
    """One certificate's layer rendered by the design's template; a design's runtime error names the template."""
    try:
        return compiled.render(Context(person_context(spec, item), autoescape=True))
    except Exception as exc:  # a design's runtime error (e.g. a filter misused)
        raise CertificateTemplateError(spec.name, str(exc))


def section_id(item: dict) -> str:
    """The id of a certificate's section: WeasyPrint's anchor that finds its first page (``c-<code>``)."""
    return f"c-{escape(item.get('code', 'static'))}"


def sections(spec: TemplateSpec, source: str, items: list[dict], css_class: str) -> str:
    compiled = compile_source(spec, source)
    wants_qr = "{{ qr" in source
    parts = []
    for item in items:
        if wants_qr and not item.get("qr") and item.get("verify_url"):
            item = {**item, "qr": qr_matrix(item["verify_url"]).svg_data_uri(scale=6, border=2)}
        body = render_source(spec, compiled, item)
        parts.append(f'<section class="{css_class}" id="{section_id(item)}">{body}</section>')
    return "".join(parts)


def static_document_html(spec: TemplateSpec, item: dict) -> str:
    """The design's static layer (``html``) as a one-page document, with the variables every certificate shares."""
    static = {key: item.get(key, "") for key in STATIC_KEYS}
    return head(spec, background=True) + sections(spec, spec.html, [static], "certificate static") + "</body></html>"


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


def design_problems(template) -> tuple[TemplateSpec, dict[str, list[str]]]:
    """The template as a spec, and what is wrong with it before anything is laid out: {field: [messages]}.

    Checks the number pattern, the page size, and the design's template syntax and HTML
    structure (rendered with a sample certificate). Each message names the template.
    ``rendering.template_problems`` adds the check that a sample certificate renders.
    """
    name = template.name or template.get_role_display()
    errors: dict[str, list[str]] = {}

    def add(field, problem):
        errors.setdefault(field, []).append(
            _("Templat sertifikat “%(name)s”: %(problem)s") % {"name": name, "problem": problem})

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
                        background_uri=file_data_uri(template.background),
                        signature_uri=file_data_uri(template.signature_image),
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
    return spec, errors
