"""The certificates' fast path (certificates/fast/): the certificate the stock path makes, or the stock path.

Each test looks at what a reader of the certificate gets: the lines and where they are drawn,
the text a PDF reader extracts, the fonts in the file, the QR code's modules, the signature.
"""

import io
import random
import re
import string
import unicodedata
import warnings
from pathlib import Path

import pytest
import segno
from django.conf import settings
from pypdf import PdfReader
from pypdf.generic import ContentStream, IndirectObject

from certificates import design, documents, rendering, signing
from certificates.fast import layout, writer

from ..factories_certificates import past_event, templates

pytestmark = pytest.mark.django_db

PX = 0.75  # PDF points per CSS px

LATIN_120 = "Prof. Dr. H. " + "Muhammad Abdurrahman Wahid Hasyim " * 3 + "Sumbawanegara"
DIACRITICS_120 = ("Dr. Hj. Ṣāliḥah Nurḥayātī Ḍiyā'ul Ḥaqq binti ʿAbdurraḥmān, Nguyễn Thị Ánh Tuyết, "
                  "Zoë Brontë Müller Çağlar Ødegård Łukasiewicz")[:120]
ARABIC_120 = ("محمد بن عبد الله بن عبد المطلب الهاشمي القرشي " * 3)[:120].strip()
NAMES = {
    "latin": "Budi Santoso",
    "latin-120": LATIN_120,
    "diacritics": "Ṣāliḥah Nurḥayātī",
    "diacritics-nfd": unicodedata.normalize("NFD", "Ṣāliḥah Nurḥayātī"),
    "vietnamese": "Nguyễn Thị Ánh",
    "vietnamese-nfd": unicodedata.normalize("NFD", "Nguyễn Thị Ánh"),
    "diacritics-120": DIACRITICS_120,
    "arabic": "عبد الرحمن بن عوف",
    "arabic-120": ARABIC_120,
    "arabic-harakat": "مُحَمَّد بن عَبْد الله",
    "mixed": "Dr. Abdurrahman 7 عبد الله, M.Ag.",
}


@pytest.fixture(autouse=True)
def _measure_afresh():
    """The fast path keeps one layout per layer shape for the process: each test measures its own."""
    layout._layouts.clear()
    yield
    layout._layouts.clear()


@pytest.fixture
def template():
    event, _ = past_event(name="Rapat Koordinasi Pengawasan 2022")
    return templates(event)["participant"]


@pytest.fixture
def spec(template):
    return design.template_spec(template)


def item(template, name, n=1):
    data = design.sample_item(template)
    code = "".join(random.Random(n).choices(string.ascii_uppercase + string.digits, k=16))
    data.update(name=name, code=code, number=f"{n:04d}/ITJEN/XI/2022",
                verify_url=f"{settings.SITE_URL}/v/{code}/")
    return data


def tree_of(spec, data):
    """The person's layer as layout.prepare parses it."""
    compiled = design.compile_source(spec, spec.fields_html)
    return layout.parse_fragment(design.render_source(spec, compiled, data))


def name_rk(tree):
    """The data-rk of the person's name element in the parsed layer."""
    return next(n.rk for n in layout._walk(tree) if "name" in (dict(n.attrs).get("class") or "").split())


def prepare(spec, items):
    return layout.prepare(spec, items, design.compile_source(spec, spec.fields_html))


def boxes(box):
    yield box
    for child in getattr(box, "children", []):
        yield from boxes(child)


def classed(document, name):
    return [box for box in boxes(document.pages[0]._page_box)
            if getattr(box, "element", None) is not None and name in (box.element.get("class") or "").split()
            and hasattr(box, "content_box_x") and not type(box).__name__.startswith(("Line", "Text", "Inline"))]


def extracted(pdf):
    """The page's text as a PDF reader extracts it, NFKC, whitespace collapsed."""
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    return " ".join(unicodedata.normalize("NFKC", text).split())


def lines(pdf):
    """The extracted lines, NFKC, sorted: the same for two files that show the same text."""
    text = unicodedata.normalize("NFKC", PdfReader(io.BytesIO(pdf)).pages[0].extract_text())
    return sorted(" ".join(line.split()) for line in text.splitlines() if line.strip())


def producer(pdf):
    """"Rakor" for the fast path's own writer, "pypdf" for the WeasyPrint path's files."""
    return PdfReader(io.BytesIO(pdf)).metadata["/Producer"]


def widths(font):
    """glyph id -> advance (1/1000 em) from a CIDFont's /W array."""
    cid = font["/DescendantFonts"][0].get_object()
    out, w = {}, list(cid["/W"])
    i = 0
    while i < len(w):
        first, second = int(w[i]), w[i + 1]
        if isinstance(second, list):
            for n, v in enumerate(second):
                out[first + n] = float(v)
            i += 2
        else:
            for gid in range(first, int(second) + 1):
                out[gid] = float(w[i + 2])
            i += 3
    return out


def shows(pdf):
    """The text the page itself draws (not the static design): (font, size pt, x0, x1, baseline y, gids)."""
    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    fonts = {name: f.get_object() for name, f in page["/Resources"]["/Font"].items()}
    advances = {name: widths(f) for name, f in fonts.items()}
    font, size, out = None, 0.0, []
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator == b"Tf":
            font, size = operands[0], float(operands[1])
        elif operator == b"Tm":
            x, y = float(operands[4]), float(operands[5])
        elif operator in (b"TJ", b"Tj"):
            parts = operands[0] if operator == b"TJ" else [operands[0]]
            pen, gids = 0.0, []
            for part in parts:
                if isinstance(part, (bytes, str)):
                    raw = part if isinstance(part, bytes) else part.original_bytes
                    for n in range(0, len(raw), 2):
                        gid = int.from_bytes(raw[n:n + 2], "big")
                        gids.append(gid)
                        pen += advances[font][gid] / 1000 * size
                else:
                    pen -= float(part) / 1000 * size
            out.append((font, size, x, x + pen, y, gids))
    return out


# ---------------------------------------------------------------- 1. the typesetter finds WeasyPrint's lines


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_the_typesetter_sets_each_name_on_weasyprints_own_lines(template, spec, name):
    data = item(template, name)
    tree = tree_of(spec, data)
    measured = layout.measure(spec, tree)  # raises typeset.Unsupported if a line differs > 0.6 px
    assert [p is not None for p in prepare(spec, [data])] == [True]
    # And independently of measure's own check: the name's lines against the real document's line boxes.
    block = next(b for b in measured.blocks if b.rk == name_rk(tree))
    ours = layout.set_block(measured, block, tree)
    theirs = classed(rendering.layout(spec, [data]), "name")[0].children
    assert len(ours) == len(theirs) >= 1
    for mine, line in zip(ours, theirs):
        assert abs(block.x + mine.x - line.position_x) <= 0.6
        assert abs(mine.width - line.width) <= 0.6
        assert abs(block.y + mine.baseline - line.position_y - line.baseline) <= 0.6


# ---------------------------------------------------------------- 2. 120-character names inside the frame


@pytest.mark.parametrize("name", [LATIN_120, DIACRITICS_120, ARABIC_120], ids=["latin", "diacritics", "arabic"])
def test_a_120_character_name_set_by_the_fast_path_stays_inside_the_frame(template, spec, name):
    assert len(name) >= 120
    data = item(template, name)
    [person] = prepare(spec, [data])
    assert person is not None
    pdf = rendering.render_batch(spec, [data])[0]
    assert producer(pdf) == "Rakor"
    page_height = float(PdfReader(io.BytesIO(pdf)).pages[0].mediabox.height)
    static = documents.laid_out(spec, design.static_document_html(spec, data))
    frame = classed(static, "frame")[0]
    left = frame.padding_box_x()
    right = left + frame.padding_left + frame.width + frame.padding_right
    weasy_name = classed(rendering.layout(spec, [data]), "name")[0]
    box_top = page_height - weasy_name.content_box_y() * PX
    box_bottom = box_top - weasy_name.height * PX
    # A name longer than 80 characters is set at 12.5 pt; nothing else on the layer is.
    lines = [s for s in shows(pdf) if s[1] == 12.5]
    baselines = sorted({round(s[4], 2) for s in lines}, reverse=True)
    # Naskh is compact: 120 Arabic letters fit one line at the long-name size; Latin ones need two.
    assert len(baselines) == len(weasy_name.children) >= (1 if name == ARABIC_120 else 2)
    for _font, _size, x0, x1, y, _gids in lines:
        assert left * PX - 0.5 <= x0 <= x1 <= right * PX + 0.5
        assert box_bottom <= y <= box_top
    rk = name_rk(tree_of(spec, data))
    block, set_lines = next((b, ls) for b, ls in person.blocks if b.rk == rk)
    assert len(set_lines) == len(weasy_name.children)
    assert sum(line.height for line in set_lines) <= block.height + 0.5


# ---------------------------------------------------------------- 3. what the fast path hands to WeasyPrint


SVG = "data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22 width=%2210%22 height=%2210%22/%3E"


@pytest.mark.parametrize("changes, shown", [
    ({"css": design.DEFAULT_CSS + ".fields .name { font-family: serif; }"}, lambda name: name),
    ({"css": design.DEFAULT_CSS + ".fields .name { text-transform: uppercase; }"}, lambda name: name.upper()),
    ({"css": design.DEFAULT_CSS + ".fields .name { letter-spacing: 1px; }"}, lambda name: name),
    ({"css": design.DEFAULT_CSS + ".fields .name { font-style: italic; }"}, lambda name: name),
    ({"fields_html": design.DEFAULT_FIELDS_HTML + f'<img src="{SVG}" alt="">'}, lambda name: name),
], ids=["unshipped-font", "uppercase", "letter-spacing", "italic", "image"])
def test_what_the_typesetter_does_not_do_goes_to_weasyprint(changes, shown):
    event, _ = past_event()
    template = templates(event, **changes)["participant"]
    spec = design.template_spec(template)
    data = item(template, "Siti Rahmawati Hasanah")
    assert prepare(spec, [data]) == [None]
    [pdf] = rendering.render_batch(spec, [data])
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert producer(pdf) == "pypdf"
    assert shown("Siti Rahmawati Hasanah") in extracted(pdf)


HYPHENATED = "Abdul-Rahman Abdul-Wahid Abdul-Karim Abdul-Latif Abdul-Hamid Abdul-Majid Abdul-Aziz Abdul-Qadir"
OVERFULL = "Muhammad Abdurrahman " * 25


@pytest.mark.parametrize("name", [HYPHENATED, OVERFULL.strip()], ids=["break-at-hyphen", "does-not-fit"])
def test_a_name_the_typesetter_cannot_promise_goes_to_weasyprint_alone(template, spec, name):
    # Both names and the one before them share the layer's shape ("very-long"): that one stays on the fast path.
    first, hard = item(template, LATIN_120, 1), item(template, name, 2)
    assert [p is not None for p in prepare(spec, [first, hard])] == [True, False]
    pdfs = rendering.render_batch(spec, [first, hard])
    assert [producer(pdf) for pdf in pdfs] == ["Rakor", "pypdf"]
    assert [len(PdfReader(io.BytesIO(pdf)).pages) for pdf in pdfs] == [1, 1]
    assert LATIN_120.strip() in extracted(pdfs[0])
    text = extracted(pdfs[1])
    assert hard["number"] in text
    if name == HYPHENATED:
        assert HYPHENATED in text.replace("- ", "-")
    else:
        assert text.count("Abdurrahman") >= 20


# ---------------------------------------------------------------- 4. each file is its own person's


FIRST = ["Ahmad", "Bambang", "Cahyani", "Dewi", "Eko", "Fitriani", "Gunawan", "Hendra", "Indah", "Joko", "Kartini",
         "Lukman", "Maya", "Nurul", "Oktaviani", "Purnomo", "Qomariyah", "Rudi", "Sulastri", "Teguh"]
LAST = ["Wibowo", "Saputra", "Lestari", "Kusuma", "Prasetyo", "Handayani", "Siregar", "Nasution", "Simanjuntak",
        "Harahap", "Pratama", "Hidayat", "Rahmawati", "Setiawan", "Susanto", "Wijaya", "Firmansyah", "Utami",
        "Ramadhan", "Maharani"]


def test_a_batch_of_thirty_gives_each_person_only_their_own_name_number_and_code(template, spec):
    names = [f"{FIRST[i % 20]} {LAST[(i * 7 + i // 20) % 20]}" for i in range(24)]
    names[3] = "Ṣāliḥah Nurḥayātī Binti Ḍiyā'ul Ḥaqq"
    names[4] = unicodedata.normalize("NFD", "Nguyễn Thị Ánh Tuyết")
    names[5] = "Prof. Dr. H. Muhammad Abdurrahman Wahid Hasyim Sumbawanegara Putra Kusumadilaga"  # "long"
    names[6] = LATIN_120  # "very-long"
    names += ["عبد الرحمن بن عوف", "فاطمة الزهراء بنت محمد", "Dr. Abdurrahman 7 عبد الله, M.Ag.",
              HYPHENATED, "Siti Aminah, S.Pd.I.", "Ir. Bambang Sutrisno Wahyudi, M.T."]
    assert len(set(names)) == 30
    assert not [(a, b) for a in names for b in names if a != b and a in b]
    items = [item(template, name, n) for n, name in enumerate(names, start=1)]
    items[10]["nip"] = ""  # another shape of the layer
    prepared = prepare(spec, items)
    assert sum(p is None for p in prepared) == 1  # only the hyphenated name goes to WeasyPrint
    pdfs = rendering.render_batch(spec, items)
    assert len(pdfs) == 30
    weasyprint_pdfs = rendering.render_batch_weasyprint(spec, items)
    for data, pdf, weasyprint_pdf in zip(items, pdfs, weasyprint_pdfs):
        text = extracted(pdf)
        # A reader extracts the same lines as from WeasyPrint's own certificate (the order on the page aside).
        assert lines(pdf) == lines(weasyprint_pdf)
        assert data["number"] in text
        assert data["code"] in text
        assert PdfReader(io.BytesIO(pdf)).metadata["/Title"] == f"Sertifikat {data['number']}"
        if "عبد" not in data["name"]:  # pypdf gives mixed-direction lines in visual order
            assert unicodedata.normalize("NFKC", data["name"]) in text.replace("- ", "-")
        others = [other for other in items if other is not data]
        leaked = [other["name"] for other in others if unicodedata.normalize("NFKC", other["name"]) in text]
        leaked += [other[key] for other in others for key in ("number", "code") if other[key] in text]
        assert leaked == []


# ---------------------------------------------------------------- 5. valid PDFs, signable


def read_strictly(pdf, caplog, *, ours=True):
    """pypdf reads the file with strict=True, every object, without a warning or a logged complaint.

    ``ours``: written by the fast path alone (one classic cross-reference table, checked entry by entry).
    """
    caplog.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reader = PdfReader(io.BytesIO(pdf), strict=True)
        assert len(reader.pages) == 1
        text = reader.pages[0].extract_text()
        for generation, table in reader.xref.items():
            for number in table:
                reader.get_object(IndirectObject(number, generation, reader))
        for number in reader.xref_objStm:
            reader.get_object(IndirectObject(number, 0, reader))
    assert [r.getMessage() for r in caplog.records if r.name.startswith("pypdf")] == []
    if not ours:
        return " ".join(unicodedata.normalize("NFKC", text).split())
    # Every cross-reference entry points at its object, and startxref at the last table.
    xref = int(pdf.rsplit(b"startxref\n", 1)[1].split()[0])
    assert pdf[xref:xref + 5] == b"xref\n"
    first, count = map(int, pdf[xref:].split(b"\n")[1].split())
    entries = pdf[xref:].split(b"trailer")[0].split(b"\n")[2:2 + count]
    used = [(first + n, int(e.split()[0])) for n, e in enumerate(entries) if e.endswith(b"n ")]
    assert len(used) == count - 1 > 20
    assert [pdf[offset:offset + len(b"%d 0 obj" % number)] for number, offset in used] == \
        [b"%d 0 obj" % number for number, _offset in used]
    return " ".join(unicodedata.normalize("NFKC", text).split())


SIGNED = {"signed": True, "intact": True, "covers_whole_file": True,
          "signer": "Panitia Rakorwas (sertifikat demo, swasertifikasi)"}


def test_the_fast_paths_files_are_valid_pdfs_that_sign_and_verify(template, spec, caplog):
    items = [item(template, NAMES["diacritics"], 1), item(template, NAMES["arabic"], 2)]
    unsigned = rendering.render_batch(spec, items)
    inline = rendering.render_batch(spec, items, sign=True)  # the fast path signs the file as it writes it
    for data, pdf, signed_inline in zip(items, unsigned, inline):
        assert [producer(pdf), producer(signed_inline)] == ["Rakor", "Rakor"]
        assert signing.validate_signature(pdf) == {"signed": False, "intact": False, "signer": ""}
        for signed, ours in ((signed_inline, True), (signing.sign_pdf(pdf), False)):
            text = read_strictly(signed, caplog, ours=ours)
            assert data["code"] in text and data["number"] in text
            assert signing.validate_signature(signed) == SIGNED
            changed = bytearray(signed)
            changed[len(pdf) // 2] ^= 0x01
            assert signing.validate_signature(bytes(changed))["intact"] is False
        read_strictly(pdf, caplog)


# ---------------------------------------------------------------- 6. fonts


def all_fonts(pdf):
    reader = PdfReader(io.BytesIO(pdf))
    found = []
    for number in range(1, int(reader.trailer["/Size"])):
        obj = reader.get_object(IndirectObject(number, 0, reader))
        if hasattr(obj, "get") and obj.get("/Type") == "/Font" and obj.get("/Subtype") != "/CIDFontType2":
            found.append(obj)
    return found


def test_each_file_embeds_subsets_of_the_shipped_fonts_only_and_maps_them_back_to_text(template, spec):
    from fontTools.ttLib import TTFont

    name = "Ṣāliḥah Nurḥayātī, Nguyễn Thị Ánh, Zoë Çağlar"
    items = [item(template, name, 1), item(template, unicodedata.normalize("NFD", name), 2),
             item(template, "عبد الرحمن بن عوف", 3)]
    pdfs = rendering.render_batch(spec, items)
    fonts_dir = Path(settings.BASE_DIR) / "static" / "rakor" / "fonts"
    files = {p.stem.replace("-Regular", "").replace("-", ""): p for p in fonts_dir.glob("*.ttf")}
    for data, pdf in zip(items, pdfs):
        assert producer(pdf) == "Rakor"
        names = sorted(str(f["/BaseFont"]) for f in all_fonts(pdf))
        assert names and all(re.fullmatch(r"/[A-Z]{6}\+(DejaVu|Noto)[-A-Za-z]*", n) for n in names), names
        page = PdfReader(io.BytesIO(pdf)).pages[0]
        used: dict[str, set] = {}
        for font, _size, _x0, _x1, _y, gids in shows(pdf):
            used.setdefault(font, set()).update(gids)
        for key, ref in page["/Resources"]["/Font"].items():
            font = ref.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            program = descriptor["/FontFile2"].get_object().get_data()
            original = files[str(font["/BaseFont"]).split("+")[1].replace("-", "")]
            assert len(program) < original.stat().st_size / 5
            # every glyph the page draws is in the subset, with the original's outline
            subset, full = TTFont(io.BytesIO(program)), TTFont(str(original))
            order, full_order = subset.getGlyphOrder(), full.getGlyphOrder()
            for gid in used.get(key, ()):
                assert subset["glyf"][order[gid]].numberOfContours == \
                    full["glyf"][full_order[gid]].numberOfContours
        text = extracted(pdf)
        if data["name"].startswith("عبد"):
            assert "عبد الرحمن بن عوف" in text
        else:
            assert unicodedata.normalize("NFKC", name) in text


@pytest.mark.parametrize("marked, plain", [
    ("Yus\u0331uf Hasan", "Taufiq Ismail"),  # s̱, a transliteration no font has precomposed
    # meem + fatha + shadda: a medial meem and one glyph for both marks, neither a nominal glyph
    ("مُحَمَّد بن عَبْد الله", "محمد بن عبد الله"),
], ids=["latin-combining-mark", "arabic-harakat"])
def test_marks_one_person_typed_stay_in_their_own_name_as_a_reader_extracts_it(template, spec, marked, plain):
    items = [item(template, marked, 1), item(template, plain, 2)]
    pdfs = rendering.render_batch(spec, items)
    assert [producer(pdf) for pdf in pdfs] == ["Rakor", "Rakor"]
    # A reader copies out of each file what it copies out of WeasyPrint's certificate for that person.
    assert [lines(pdf) for pdf in pdfs] == [lines(pdf) for pdf in rendering.render_batch_weasyprint(spec, items)]


# ---------------------------------------------------------------- 7. QR code


def test_the_fast_paths_qr_code_is_segnos_matrix_for_the_verification_url_in_weasyprints_box(template, spec):
    data = item(template, "Budi Santoso")
    [pdf] = rendering.render_batch(spec, [data])
    assert producer(pdf) == "Rakor"
    reader = PdfReader(io.BytesIO(pdf))
    height = float(reader.pages[0].mediabox.height)
    content = reader.pages[0].get_contents().get_data().decode("latin-1")
    drawn = content.split("q 0 0 0 rg\n", 1)[1].split("f Q", 1)[0]
    rects = [tuple(map(float, line.split()[:4])) for line in drawn.splitlines() if line.endswith(" re")]
    module = rects[0][3] - 0.02
    left = min(r[0] for r in rects)
    top = max(r[1] + r[3] - 0.02 for r in rects)
    expected = segno.make(data["verify_url"], error="m", micro=False, mask=0).matrix
    size = len(expected)
    seen = [[False] * size for _ in range(size)]
    for x, y, w, _h in rects:
        row = round((top - y) / module) - 1
        for col in range(round((x - left) / module), round((x + w - left) / module)):
            seen[row][col] = True
    # the leftmost / topmost dark modules are the finder patterns' corners, at module (0, 0)
    assert seen == [[bool(v & 1) for v in row] for row in expected]
    # ...drawn where WeasyPrint puts the "qr-code" box, filling it from its top-left corner
    box = classed(rendering.layout(spec, [data]), "qr-code")[0]
    slot = (box.content_box_x(), box.content_box_y(), box.width, box.height)
    assert abs(left - slot[0] * PX) < 0.01 and abs(top - (height - slot[1] * PX)) < 0.01
    weasyprint_rects = [tuple(map(float, line.split()[:4])) for line in writer.qr_ops(
        data["verify_url"], slot, height).decode().splitlines() if line.endswith(" re")]
    assert len(rects) == len(weasyprint_rects)
    assert max(abs(a - b) for r, w in zip(rects, weasyprint_rects) for a, b in zip(r, w)) < 0.01
