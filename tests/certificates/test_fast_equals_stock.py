"""The fast path makes the certificates the stock path makes; when it may not run, the stock path makes them all.

The same batch (Latin, diacritics, Arabic, long names and units, a name the fast path leaves to the
stock path) is rendered and signed both ways. Per certificate: the text a reader extracts, the page
box, where each line is drawn, the QR code's modules and where they are, and pyHanko's validation
of the signature. Then: with a library at another version than ``fast/versions.py`` names, the
fast path steps aside (said once in the log) and a bulk run still issues signed certificates; and
the stock path's modules touch no private attribute of the libraries they use.
"""

import ast
import io
import logging
import unicodedata
from pathlib import Path

import pytest
import segno
from django.conf import settings
from django.core.files.storage import default_storage
from pypdf import PdfReader
from pypdf.generic import ContentStream

from certificates import design, fast, rendering, services, signing
from certificates.fast import versions
from certificates.models import Certificate

from .factories_certificates import attended_everything, past_event, registration, templates

pytestmark = pytest.mark.django_db

SIGNED = {"signed": True, "intact": True, "covers_whole_file": True,
          "signer": "Panitia Rakorwas (sertifikat demo, swasertifikasi)"}

LATIN_120 = "Prof. Dr. H. " + "Muhammad Abdurrahman Wahid Hasyim " * 3 + "Sumbawanegara"
ARABIC_120 = ("محمد بن عبد الله بن عبد المطلب الهاشمي القرشي " * 3)[:120].strip()
HYPHENATED = "Abdul-Rahman Abdul-Wahid Abdul-Karim Abdul-Latif Abdul-Hamid Abdul-Majid Abdul-Aziz Abdul-Qadir"
LONG_UNIT = ("Kantor Wilayah Kementerian Agama Provinsi Nusa Tenggara Timur " * 3)[:150].strip()
PEOPLE = [
    # name, changes to the item
    ("Budi", {}),
    ("Siti Rahmawati Hasanah", {}),
    ("Ṣāliḥah Nurḥayātī", {}),
    (unicodedata.normalize("NFD", "Nguyễn Thị Ánh Tuyết"), {}),
    ("Prof. Dr. H. Muhammad Abdurrahman Wahid Hasyim Sumbawanegara Putra Kusumadilaga", {}),  # "long"
    (LATIN_120, {}),  # "very-long"
    ("عبد الرحمن بن عوف", {}),
    (ARABIC_120, {}),
    ("Dr. Abdurrahman 7 عبد الله, M.Ag.", {}),
    ("Abdul-Rahman Wahid", {}),  # a dash on one line
    (HYPHENATED, {}),  # a line break next to a dash: left to the stock path
    ("Yohanes Sitompul", {"nip": ""}),  # another shape of the layer
    ("Made Ananda Pratama", {"position": "Penyelenggara Bimbingan Masyarakat Kristen Ahli Madya", "unit": LONG_UNIT}),
]
LEFT_TO_STOCK = {HYPHENATED}


@pytest.fixture
def template():
    event, _ = past_event(name="Rapat Koordinasi Pengawasan 2022")
    return templates(event)["participant"]


@pytest.fixture
def fresh_fast_path():
    """Each test measures its own layouts and checks the versions afresh."""
    fast.layout._layouts.clear()
    versions.versions_ok.cache_clear()
    yield
    fast.layout._layouts.clear()
    versions.versions_ok.cache_clear()


def batch(template):
    items = []
    for n, (name, changes) in enumerate(PEOPLE, start=1):
        item = design.sample_item(template)
        code = f"UJI{n:013d}"
        item.update(name=name, code=code, number=f"{n:04d}/ITJEN/XI/2022", verify_url=f"{settings.SITE_URL}/v/{code}/",
                    **changes)
        items.append(item)
    return items


def producer(pdf):
    """"Rakor" for the fast path's writer, "pypdf" for the stock path's files (pyHanko adds itself when it signs)."""
    return PdfReader(io.BytesIO(pdf)).metadata["/Producer"].split(";")[0]


def text_lines(pdf):
    """The page's extracted lines, NFKC and whitespace collapsed, sorted.

    Sorted because WeasyPrint draws floats (the QR code and verification line) before the
    blocks around them and the fast path draws in document order; the lines are the same.
    """
    text = unicodedata.normalize("NFKC", PdfReader(io.BytesIO(pdf)).pages[0].extract_text())
    return sorted(" ".join(line.split()) for line in text.splitlines() if line.strip())


def drawn_lines(pdf):
    """Where each line of text starts, in PDF points: {baseline y: x of its leftmost piece}, with its pieces' text.

    A piece's position is where its text-showing operation starts; a line mixing Arabic and
    Latin script is one operation in WeasyPrint's file and one per run in the fast path's, so
    lines are compared by where they start.
    """
    pieces = []

    def visit(text, cm, tm, _font, _size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            pieces.append((x, y, unicodedata.normalize("NFKC", text.strip())))

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    lines: list[list] = []
    for x, y, text in sorted(pieces, key=lambda p: -p[1]):
        if lines and abs(lines[-1][0] - y) < 0.5:
            lines[-1][1] = min(lines[-1][1], x)
            lines[-1][2].append(text)
        else:
            lines.append([y, x, [text]])
    return [(y, x, sorted(texts)) for y, x, texts in lines]


def _times(a, b):
    """The PDF matrix product a × b (apply a, then b)."""
    return [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2],
            a[2] * b[1] + a[3] * b[3], a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5]]


def _box(ctm, x, y, w, h):
    corners = [(x, y), (x + w, y), (x, y + h), (x + w, y + h)]
    points = [(px * ctm[0] + py * ctm[2] + ctm[4], px * ctm[1] + py * ctm[3] + ctm[5]) for px, py in corners]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def black_shapes(pdf):
    """Every rectangle filled and every horizontal line stroked in pure black, as boxes in page points.

    Only the QR code is black on a certificate (the text is #111, the frame green): the fast
    path fills rectangles, WeasyPrint strokes the lines of segno's SVG inside a Form XObject.
    """
    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    boxes = []

    def run(operations, resources, ctm):
        stack, fill, stroke, width, path, current = [], None, None, 1.0, [], (0.0, 0.0)
        for operands, operator in operations:
            if operator == b"q":
                stack.append((ctm, fill, stroke, width))
            elif operator == b"Q":
                ctm, fill, stroke, width = stack.pop()
            elif operator == b"cm":
                ctm = _times([float(v) for v in operands], ctm)
            elif operator in (b"rg", b"RG", b"g", b"G"):
                color = tuple(float(v) for v in operands)
                black = color in ((0.0, 0.0, 0.0), (0.0,))
                if operator in (b"rg", b"g"):
                    fill = black
                else:
                    stroke = black
            elif operator == b"w":
                width = float(operands[0])
            elif operator == b"re":
                path.append(("re", *map(float, operands)))
            elif operator == b"m":
                current = tuple(map(float, operands))
            elif operator == b"l":
                end = tuple(map(float, operands))
                path.append(("line", current, end))
                current = end
            elif operator in (b"f", b"f*", b"F"):
                if fill:
                    boxes.extend(_box(ctm, *shape[1:]) for shape in path if shape[0] == "re")
                path = []
            elif operator in (b"S", b"B", b"B*", b"b", b"b*"):  # a stroke (B: fill and stroke; lines have no area)
                if fill and operator != b"S":
                    boxes.extend(_box(ctm, *shape[1:]) for shape in path if shape[0] == "re")
                if stroke:
                    for _kind, (x0, y0), (x1, y1) in (s for s in path if s[0] == "line"):
                        if y0 == y1 and x1 != x0:
                            boxes.append(_box(ctm, min(x0, x1), y0 - width / 2, abs(x1 - x0), width))
                path = []
            elif operator == b"n":
                path = []
            elif operator == b"Do":
                xobject = resources["/XObject"][operands[0]].get_object()
                if xobject["/Subtype"] == "/Form":
                    matrix = [float(v) for v in xobject.get("/Matrix", [1, 0, 0, 1, 0, 0])]
                    run(ContentStream(xobject, reader).operations, xobject.get("/Resources", resources),
                        _times(matrix, ctm))

    run(ContentStream(page.get_contents(), reader).operations, page["/Resources"], [1, 0, 0, 1, 0, 0])
    return boxes


def qr_images(pdf) -> int:
    """How many images of a QR code (segno's SVG, drawn as a Form XObject) the file holds, used or not."""
    reader = PdfReader(io.BytesIO(pdf))
    count = 0
    for number in range(1, int(reader.trailer["/Size"])):
        obj = reader.get_object(number)
        if hasattr(obj, "get_data") and obj.get("/Subtype") == "/Form" and b" 0.5 l\n" in obj.get_data():
            count += 1
    return count


def qr_drawn(pdf, url):
    """(left, top, module size) of the QR code drawn on the page, asserting its modules are segno's for ``url``."""
    expected = segno.make(url, error="m", micro=False, mask=0).matrix
    n = len(expected)
    boxes = black_shapes(pdf)
    left, top = min(b[0] for b in boxes), max(b[3] for b in boxes)
    module = (max(b[2] for b in boxes) - left) / n
    seen = [[False] * n for _ in range(n)]
    for x0, y0, x1, y1 in boxes:
        row = round((top - y1) / module)
        for column in range(round((x0 - left) / module), round((x1 - left) / module)):
            seen[row][column] = True
    assert seen == [[bool(v & 1) for v in row] for row in expected]
    return left, top, module


# ---------------------------------------------------------------- the same batch, both ways


def test_the_fast_path_makes_the_certificates_the_stock_path_makes(template, settings, fresh_fast_path):
    spec = design.template_spec(template)
    items = batch(template)
    settings.CERTIFICATE_FAST_PATH = True
    assert fast.available()
    fast_pdfs = rendering.render_batch(spec, items, sign=True)
    settings.CERTIFICATE_FAST_PATH = False
    stock_pdfs = rendering.render_batch(spec, items, sign=True)
    assert [producer(pdf) for pdf in fast_pdfs] == [
        "pypdf" if item["name"] in LEFT_TO_STOCK else "Rakor" for item in items]
    assert [producer(pdf) for pdf in stock_pdfs] == ["pypdf"] * len(items)
    for item, fast_pdf, stock_pdf in zip(items, fast_pdfs, stock_pdfs):
        fast_page, stock_page = PdfReader(io.BytesIO(fast_pdf)).pages, PdfReader(io.BytesIO(stock_pdf)).pages
        assert len(fast_page) == len(stock_page) == 1
        assert [float(v) for v in fast_page[0].mediabox] == pytest.approx([float(v) for v in stock_page[0].mediabox],
                                                                          abs=1e-4)
        # What a reader extracts: the same lines, the person's own among them.
        lines = text_lines(stock_pdf)
        assert text_lines(fast_pdf) == lines
        assert f"Nomor: {item['number']}" in lines and item["code"] in lines
        # Each line of text in the same place, within 0.5 pt.
        fast_lines, stock_lines = drawn_lines(fast_pdf), drawn_lines(stock_pdf)
        assert [texts for _y, _x, texts in fast_lines] == [texts for _y, _x, texts in stock_lines]
        assert [v for y, x, _texts in fast_lines for v in (y, x)] == pytest.approx(
            [v for y, x, _texts in stock_lines for v in (y, x)], abs=0.5)
        # The same QR code (the certificate's verification URL) in the same place.
        fast_qr, stock_qr = qr_drawn(fast_pdf, item["verify_url"]), qr_drawn(stock_pdf, item["verify_url"])
        assert abs(fast_qr[0] - stock_qr[0]) <= 0.5 and abs(fast_qr[1] - stock_qr[1]) <= 0.5
        assert abs(fast_qr[2] - stock_qr[2]) <= 0.01
        # The stock path's file holds its own QR code only (WeasyPrint shares resources among a batch's pages).
        assert qr_images(stock_pdf) == 1
        # Both signed by the organiser's certificate over the whole file (pyHanko's validation).
        assert signing.validate_signature(fast_pdf) == signing.validate_signature(stock_pdf) == SIGNED


def test_a_template_without_a_per_person_layer_is_the_stock_paths_alone(template, settings, fresh_fast_path):
    template.html = design.DEFAULT_HTML.replace("</div>\n<div class=\"sign\">",
                                                "<p>{{ name }}</p><div class=\"qr-code\" style=\"width: 20mm; "
                                                "height: 20mm\"></div></div>\n<div class=\"sign\">", 1)
    template.fields_html = ""
    spec = design.template_spec(template)
    [item] = batch(template)[:1]
    settings.CERTIFICATE_FAST_PATH = True
    [pdf] = rendering.render_batch(spec, [item], sign=True)
    assert producer(pdf) == "pypdf"
    assert item["name"] in text_lines(pdf)
    qr_drawn(pdf, item["verify_url"])
    assert signing.validate_signature(pdf) == SIGNED


# ---------------------------------------------------------------- other versions: the fast path steps aside


def test_with_another_library_version_the_fast_path_steps_aside_and_the_run_still_issues_signed_pdfs(
        template, settings, monkeypatch, caplog, fresh_fast_path):
    settings.CERTIFICATE_FAST_PATH = True
    monkeypatch.setitem(versions.VERIFIED, "pypdf", "6.0.0")
    monkeypatch.setitem(versions.VERIFIED, "pango", "1.48.0")
    installed = versions.installed_versions()
    assert versions.version_mismatches() == {"pypdf": ("6.0.0", installed["pypdf"]),
                                             "pango": ("1.48.0", installed["pango"])}
    event = template.event
    people = [registration(event, name=name) for name, _changes in PEOPLE[:4]]
    for person in people:
        attended_everything(person)
    with caplog.at_level(logging.INFO, logger="rakor.certificates"):
        assert fast.available() is False
        run = services.issue_all(event=event, processes=1)
        assert fast.available() is False
    assert (run.status, run.done) == ("done", 4)
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [
        "certificates: the fast path steps aside, every certificate is made by the stock path: "
        f"pypdf {installed['pypdf']} installed, verified against 6.0.0; "
        f"pango {installed['pango']} installed, verified against 1.48.0. "
        "Run tests/certificates/test_fast_equals_stock.py with these versions, then update "
        "certificates/fast/versions.py."]
    for certificate in Certificate.objects.filter(event=event).select_related("registration__participant"):
        pdf = default_storage.open(certificate.pdf.name).read()
        assert producer(pdf) == "pypdf"
        lines = text_lines(pdf)
        assert unicodedata.normalize("NFKC", certificate.recipient_name) in lines
        assert f"Nomor: {certificate.number}" in lines and certificate.code in lines
        qr_drawn(pdf, certificate.verify_url)
        assert signing.validate_signature(pdf) == SIGNED


def test_the_verified_versions_are_the_installed_ones():
    """The suite runs with the versions the fast path was verified against, so CI exercises it.

    When this fails after an upgrade: run this file and tests/certificates/fast/, then update
    certificates/fast/versions.py in the same commit (or pin the old version back).
    """
    assert versions.version_mismatches() == {}


# ---------------------------------------------------------------- the stock path: public APIs only


STOCK_MODULES = sorted(p for p in (Path(settings.BASE_DIR) / "certificates").rglob("*.py")
                       if "fast" not in p.relative_to(settings.BASE_DIR).parts and "migrations" not in p.parts) \
    + [Path(settings.BASE_DIR) / "rakor" / "pdf.py"]
# Documented as public despite the underscore: Django's Model._meta API.
PUBLIC_UNDERSCORED = {"_meta"}


def private_uses(path: Path) -> list[str]:
    """`x._name` (not on self/cls), getattr(x, "_name"), and `from library import _name` in a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__") \
                and node.attr not in PUBLIC_UNDERSCORED \
                and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
            found.append(f"{path.name}:{node.lineno}: .{node.attr}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in (
                "getattr", "setattr", "hasattr") and len(node.args) > 1 and isinstance(node.args[1], ast.Constant) \
                and str(node.args[1].value).startswith("_"):
            found.append(f"{path.name}:{node.lineno}: {node.func.id}(…, {node.args[1].value!r})")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and any(
                alias.name.startswith("_") for alias in node.names):
            found.append(f"{path.name}:{node.lineno}: from {node.module} import _…")
        elif isinstance(node, ast.ImportFrom) and node.module and any(
                part.startswith("_") and not part.startswith("__") for part in node.module.split(".")):
            found.append(f"{path.name}:{node.lineno}: from {node.module}")
    return found


def test_the_stock_path_uses_no_private_attribute_of_any_library():
    assert Path(settings.BASE_DIR, "certificates", "rendering.py") in STOCK_MODULES
    assert not any("fast" in p.parts for p in STOCK_MODULES)
    assert [use for path in STOCK_MODULES for use in private_uses(path)] == []


def test_the_stock_path_reaches_the_fast_path_only_through_its_entry_points():
    used = set()
    for path in STOCK_MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "fast":
                used.add(node.attr)
            if isinstance(node, ast.ImportFrom) and node.module and "fast" in node.module.split("."):
                used.add(f"from {node.module}")
    assert used == {"available", "render_fast"}


def test_with_the_fast_path_off_signing_is_pyhankos_own_signer_untouched(template, settings, monkeypatch,
                                                                         fresh_fast_path):
    from pyhanko.sign import signers

    settings.CERTIFICATE_FAST_PATH = False

    def refuse(*args, **kwargs):
        raise AssertionError("the fast path ran")

    monkeypatch.setattr(fast, "render_fast", refuse)
    monkeypatch.setattr(fast.signer, "InlineSigner", refuse)
    spec = design.template_spec(template)
    items = batch(template)[:3]
    pdfs = rendering.render_batch(spec, items, sign=True)
    state = signing.signer_state()
    assert type(state["signer"]) is signers.SimpleSigner
    assert type(state["pdf_signer"]) is signers.PdfSigner
    for item, pdf in zip(items, pdfs):
        assert producer(pdf) == "pypdf"
        assert unicodedata.normalize("NFKC", item["name"]) in " ".join(text_lines(pdf)) or "عبد" in item["name"]
        assert signing.validate_signature(pdf) == SIGNED
