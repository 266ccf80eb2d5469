"""Certificate PDFs: shipped fonts, long names, QR, and templates that must be refused (naming the template)."""

import io
import unicodedata

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from certificates import design, documents, rendering, services
from certificates.fast import layout, writer
from certificates.models import Certificate, CertificateTemplate, IssueRun

from .factories_certificates import attended_everything, past_event, registration, templates

pytestmark = pytest.mark.django_db

ARABIC_120 = ("محمد بن عبد الله بن عبد المطلب الهاشمي القرشي " * 3)[:120].strip()
DIACRITICS_120 = ("Dr. Hj. Ṣāliḥah Nurḥayātī Ḍiyā'ul-Ḥaqq binti ʿAbdurraḥmān, Nguyễn Thị Ánh Tuyết, "
                  "Zoë Brontë-Müller Çağlar Ødegård")[:120]
LATIN_120 = "Prof. Dr. H. " + "Muhammad Abdurrahman Wahid Hasyim " * 3 + "Sumbawanegara"


@pytest.fixture
def template():
    event, _ = past_event(name="Rapat Koordinasi Pengawasan 2022")
    return templates(event)["participant"]


def item(template, name):
    data = design.sample_item(template)
    data["name"] = name
    return data


def boxes(box):
    yield box
    for child in getattr(box, "children", []):
        yield from boxes(child)


def classed(document, name):
    found = []
    for box in boxes(document.pages[0]._page_box):
        element = getattr(box, "element", None)
        if element is not None and name in (element.get("class") or "").split() and hasattr(box, "content_box_x"):
            found.append(box)
    return found


@pytest.mark.parametrize("name", [ARABIC_120, DIACRITICS_120, LATIN_120], ids=["arabic", "diacritics", "latin"])
def test_a_120_character_name_wraps_inside_the_frame(template, name):
    assert len(name) >= 110
    spec = design.template_spec(template)
    data = item(template, name)
    # The frame is drawn by the static layer, the name by the per-person layer on the same page.
    static = documents.laid_out(spec, design.static_document_html(spec, data))
    frame = classed(static, "frame")[0]
    # Inside the frame's border (its padding box).
    left = frame.padding_box_x()
    right = left + frame.padding_left + frame.width + frame.padding_right
    document = rendering.layout(spec, [data])
    assert len(document.pages) == 1
    name_box = classed(document, "name")[0]
    lines = name_box.children
    # Naskh is compact: 120 Arabic letters fit one line at the long-name size; Latin ones need two.
    assert len(lines) >= (1 if name == ARABIC_120 else 2)
    for line in lines:
        assert left - 0.5 <= line.position_x
        assert line.position_x + line.width <= right + 0.5
    # ...and the lines stay within the name's own box, above the next line of the design.
    assert sum(line.height for line in lines) <= name_box.height + 0.5


def pdf_text_and_fonts(data):
    page = PdfReader(io.BytesIO(data)).pages[0]
    fonts = {str(f.get_object()["/BaseFont"]) for f in page["/Resources"]["/Font"].values()}
    return unicodedata.normalize("NFKC", page.extract_text()), fonts


def test_arabic_script_uses_the_shipped_naskh_font(template):
    pdf = rendering.render_batch(design.template_spec(template), [item(template, "عبد الرحمن بن عوف")])[0]
    text, fonts = pdf_text_and_fonts(pdf)
    assert any("Noto-Naskh-Arabic" in f for f in fonts), fonts
    assert any("DejaVu-Sans" in f for f in fonts)
    for word in ("عبد", "عوف"):
        assert word in text or word[::-1] in text


def test_latin_diacritics_come_out_as_typed(template):
    name = "Ṣāliḥah Nurḥayātī, Nguyễn Thị Ánh, Zoë Çağlar"
    pdf = rendering.render_batch(design.template_spec(template), [item(template, name)])[0]
    text, fonts = pdf_text_and_fonts(pdf)
    assert unicodedata.normalize("NFKC", name) in " ".join(text.split())
    assert fonts <= {f for f in fonts if "DejaVu" in f or "Noto" in f}


def test_one_batch_gives_one_file_per_certificate_with_its_own_page(template):
    items = [item(template, f"Peserta Nomor {i}") for i in range(3)]
    for i, data in enumerate(items):
        data["code"] = f"KODE{i}"
    pdfs = rendering.render_batch(design.template_spec(template), items)
    assert len(pdfs) == 3
    for i, pdf in enumerate(pdfs):
        reader = PdfReader(io.BytesIO(pdf))
        assert len(reader.pages) == 1
        assert f"Peserta Nomor {i}" in reader.pages[0].extract_text()


def test_qr_code_points_to_the_verification_page():
    event, _ = past_event()
    templates(event)
    attended_everything(registration(event))
    services.issue_all(event=event, processes=1)
    certificate = Certificate.objects.get()
    pdf = services.certificate_pdf_bytes(certificate)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert certificate.verify_url == f"http://127.0.0.1:8000/v/{certificate.code}/"
    assert certificate.verify_url in text.replace("\n", "")
    # The fast path draws the QR into the PDF as rectangles in the "qr-code" box: decode what was drawn.
    matrix = design.qr_matrix(certificate.verify_url).matrix
    expected = writer.qr_ops(certificate.verify_url, (0, 0, len(matrix), len(matrix)), 100.0).decode()
    content = PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data().decode("latin-1")
    drawn = content.rsplit("q 0 0 0 rg", 1)[1]
    assert drawn.count(" re\n") == expected.count(" re\n") > 50
    import segno

    assert segno.make(certificate.verify_url, error="m", mask=0).matrix == matrix


# ---------------------------------------------------------------- templates that must be refused


@pytest.mark.parametrize("html, problem", [
    ("<div class='frame'><p>{{ name }}</span></div>",
     "HTML rusak: tag penutup </span> di baris 1 tidak punya pasangan."),
    ("<div class='frame'>\n<div>{{ name }}\n</div>",
     "HTML rusak: tag <div> di baris 1 tidak ditutup."),
    ("<div>{% if name %}{{ name }}</div>",
     "HTML/templat rusak: Unclosed tag on line 1: 'if'. Looking for one of: elif, else, endif."),
])
def test_broken_html_is_refused_naming_the_template(template, html, problem):
    template.html = html
    assert rendering.template_problems(template) == [f"Templat sertifikat “{template.name}”: {problem}"]
    with pytest.raises(ValidationError) as exc:
        template.full_clean()
    assert exc.value.message_dict["html"] == [f"Templat sertifikat “{template.name}”: {problem}"]


@pytest.mark.parametrize("html, css, url", [
    ('<img src="http://example.com/logo.png">', "", "http://example.com/logo.png"),
    ('<img src="https://127.0.0.2/x.png">', "", "https://127.0.0.2/x.png"),
    ("<p>{{ name }}</p>", "p { background: url(file:///etc/passwd) }", "file:///etc/passwd"),
    ('<img src="file:///work/main/rakor/settings.py">', "", "file:///work/main/rakor/settings.py"),
])
def test_remote_and_file_urls_are_refused_naming_the_template(template, html, css, url):
    template.html, template.css = html, css
    assert rendering.template_problems(template) == [
        f"Templat sertifikat “{template.name}”: URL tidak diizinkan dalam dokumen: {url} "
        "(hanya berkas statis dan media situs ini yang boleh dipakai)"]


def test_a_bad_template_stops_a_bulk_run_with_the_template_named(template):
    event = template.event
    attended_everything(registration(event))
    CertificateTemplate.objects.filter(pk=template.pk).update(html='<img src="http://example.com/logo.png">')
    with pytest.raises(rendering.CertificateTemplateError) as exc:
        services.issue_all(event=event, processes=1)
    message = (f"Templat sertifikat “{template.name}”: URL tidak diizinkan dalam dokumen: http://example.com/logo.png "
               "(hanya berkas statis dan media situs ini yang boleh dipakai)")
    assert str(exc.value) == message
    assert IssueRun.objects.get().error == message
    # The number was given and stays; the next run (after the template is fixed) makes the PDF.
    assert Certificate.objects.get().status == "pending"
    CertificateTemplate.objects.filter(pk=template.pk).update(html=design.DEFAULT_HTML)
    assert services.issue_all(event=event, processes=1).done == 1


def test_number_pattern_and_page_size_are_checked(template):
    template.number_pattern = "{nomor}/ITJEN/{year}"
    template.page_size = "A9 miring"
    assert rendering.template_problems(template) == [
        f"Templat sertifikat “{template.name}”: Pola nomor memakai kolom yang tidak dikenal: nomor",
        f"Templat sertifikat “{template.name}”: Ukuran halaman tidak dikenal: A9 miring",
    ]


def test_the_default_template_is_clean(template):
    assert rendering.template_problems(template) == []


@pytest.mark.parametrize("position, unit", [
    ("Kepala Pusat Pendidikan dan Pelatihan Tenaga Teknis Pendidikan dan Keagamaan",
     "Pusat Pendidikan dan Pelatihan Tenaga Teknis Pendidikan dan Keagamaan"),
    (("Penyelenggara Bimbingan Masyarakat Kristen Ahli Madya " * 4)[:200],
     ("Kantor Wilayah Kementerian Agama Provinsi Nusa Tenggara Timur " * 4)[:200]),
], ids=["long", "longest-the-fields-allow"])
def test_nip_position_and_unit_stay_above_the_designs_next_line(template, position, unit):
    spec = design.template_spec(template)
    data = item(template, "Dr. Rahmat Nugroho, M.A.")
    data.update(nip="196609201988041435", position=position, unit=unit)
    static = documents.laid_out(spec, design.static_document_html(spec, data))
    next_line = classed(static, "as")[0]
    compiled = design.compile_source(spec, spec.fields_html)
    [prepared] = layout.prepare(spec, [data], compiled)
    tree = layout.parse_fragment(design.render_source(spec, compiled, data))
    who = next(node.rk for node in layout._walk(tree) if "who" in (dict(node.attrs).get("class") or ""))
    block, lines = next((block, lines) for block, lines in prepared.blocks if block.rk == who)
    assert len(lines) >= 2
    assert block.y + sum(line.height for line in lines) <= next_line.content_box_y()
