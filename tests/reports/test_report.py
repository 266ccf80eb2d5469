"""The activity report: figures equal the recap's and the minutes', PDF and DOCX hold the same sections,
organisers only, narrative Markdown inert, the final version signed and verifying."""

import io
import re

import docx
import pytest
from pypdf import PdfReader

from attendance import selectors as attendance_selectors
from certificates import signing
from minutes.models import ActionItem
from reports import documents, selectors, services
from reports.models import ReportVersion
from tests.attendance.factories_dashboard import attendance_world
from tests.factories import UnitFactory, coordinator, organiser, scanner
from tests.minutes.factories_minutes import final_minutes, make_session, notulis
from tests.rakor.test_pdf import embedded_files

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _signer(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.CERTIFICATE_PKCS12_PATH = ""
    settings.CERTIFICATE_DEMO_SIGNER = True
    settings.CERTIFICATE_DEMO_PKCS12_PASSWORDS = ["sandi-uji"]


@pytest.fixture
def world():
    w = attendance_world()
    org = organiser()
    taker = notulis()
    unit = UnitFactory(name="Inspektorat Wilayah I", code="itwil-1-uji")
    session = make_session(w.event, title="Sidang komisi: tindak lanjut", day_index=1, hour=13)
    items = [{"what": "Menyusun rencana aksi ZI", "unit": unit.pk, "due": "2023-01-31"},
             {"what": "Melaporkan tindak lanjut BPK", "unit": unit.pk, "due": ""}]
    w.minutes = final_minutes(session, taker, org, items=items)
    w.organiser = org
    return w


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def pdf_outline(data: bytes) -> list[str]:
    """The PDF's bookmarks (chapters level 1, sections level 2), flattened in order."""
    out = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                out.append(" ".join(item.title.split()))

    walk(PdfReader(io.BytesIO(data)).outline)
    return out


def docx_headings(data: bytes) -> list[str]:
    document = docx.Document(io.BytesIO(data))
    return [p.text for p in document.paragraphs if p.style.name in ("Heading 1", "Heading 2")]


def expected_headings() -> list[str]:
    return [h for c in selectors.outline() for h in (c.heading, *[s.title for s in c.sections])]


def test_figures_equal_the_recap_and_the_minutes(world):
    content = selectors.report_content(world.event)
    summary = attendance_selectors.attendance_summary(world.event)
    assert content.recap.totals == summary["totals"]
    assert content.recap.per_unit == summary["per_unit"]
    assert content.recap.per_province == summary["per_province"]
    assert [r["in_room"] + r["online"] for r in summary["per_session"]] == [s["total"] for s in content.recap.per_session]
    # The follow-ups are those the final notula published to the register, in its order.
    published = list(ActionItem.objects.filter(minutes=world.minutes).order_by("position"))
    assert [(f["what"], f["unit"], f["session"]) for f in content.follow_ups] == [
        (i.what, i.unit.name, "Sidang komisi: tindak lanjut") for i in published]
    assert [f["due"] for f in content.follow_ups] == ["31 Januari 2023", ""]

    html = documents.report_html(content)
    t = summary["totals"]
    assert (f"Kehadiran luring {t['present_in_person']} dari {t['expected_in_person']} orang-hari yang diharapkan; "
            f"kehadiran daring {t['joined_online']} dari {t['expected_online']} orang-hari yang terdaftar.") in html
    assert html.count('class="chart bar-chart"') == 4  # the recap's own charts
    text = " ".join(pdf_text(documents.report_pdf(content)[0]).split())
    assert "Kehadiran luring 3 dari 9 orang-hari yang diharapkan; kehadiran daring 1 dari 3 orang-hari" in text
    assert "Menyusun rencana aksi ZI Inspektorat Wilayah I 31 Januari 2023" in text
    assert "Semua satker menyusun rencana aksi ZI." in text  # the notula's decisions
    # The daftar hadir annex: the door entries of each day (the recap's "hadir luring" per day).
    assert [d.row_count for d in content.attendance_lists] == [r["present_in_person"] for r in summary["per_day"]]


def test_pdf_and_docx_hold_the_same_sections(world):
    content = selectors.report_content(world.event)
    pdf, pages = documents.report_pdf(content)
    data = documents.report_docx(content)
    expected = expected_headings()
    assert expected[:4] == ["BAB I PENDAHULUAN", "A. Latar Belakang", "B. Maksud dan Tujuan", "C. Waktu dan Tempat"]
    assert expected[-2:] == ["LAMPIRAN I DAFTAR HADIR", "LAMPIRAN II NOTULA RAPAT"]
    assert pdf_outline(pdf) == expected
    assert docx_headings(data) == expected
    text = pdf_text(pdf)
    # Table of contents with page numbers, numbered pages, the record's moment on the cover.
    first_page = PdfReader(io.BytesIO(pdf)).pages[1].extract_text()
    assert re.search(r"BAB I PENDAHULUAN[ .]+3\b", " ".join(first_page.split()))
    assert pages == len(PdfReader(io.BytesIO(pdf)).pages) > 5
    assert f"Disusun dari catatan Rakor per {content.as_of_label}." in " ".join(text.split())
    document = docx.Document(io.BytesIO(data))
    body = "\n".join(p.text for p in document.paragraphs)
    assert f"Disusun dari catatan Rakor per {content.as_of_label}." in body
    cells = {c.text for t in document.tables for row in t.rows for c in row.cells}
    assert {"Menyusun rencana aksi ZI", "Jabar A Hadir", "Aceh D Hadir"} <= cells


def test_invitation_and_evaluation_come_from_their_apps(world, monkeypatch):
    invitation = {"number": "B-123/IJ/HM.00/11/2022", "date": None, "subject": "Undangan Rakorwas 2022",
                  "signatory": "Inspektur Jenderal", "units_invited": 3, "units_answered": 2,
                  "units_missing": ["Kanwil Kemenag Provinsi Aceh"],
                  "asked": [{"unit_kind": "Kanwil", "positions": "Kepala Kanwil", "mode": "luring", "seats": 2}]}
    evaluation = {"respondents": 4, "open_answers": 1, "items": [
        {"aspect": "Narasumber", "question": "Penguasaan materi", "session": "Pembukaan", "mean": 4.25, "count": 4,
         "distribution": {1: 0, 2: 0, 3: 1, 4: 1, 5: 2}}]}
    monkeypatch.setattr(selectors, "invitation_summary", lambda event: invitation)
    monkeypatch.setattr(selectors, "evaluation_summary", lambda event: evaluation)
    content = selectors.report_content(world.event)
    assert content.invitation == invitation and content.evaluation == evaluation
    text = " ".join(pdf_text(documents.report_pdf(content)[0]).split())
    assert "B-123/IJ/HM.00/11/2022" in text and "Kanwil Kemenag Provinsi Aceh" in text
    assert "Narasumber Penguasaan materi Pembukaan 4,25 4 0 0 1 1 2" in text
    cells = [[c.text for c in row.cells] for t in docx.Document(io.BytesIO(documents.report_docx(content))).tables
             for row in t.rows]
    assert ["Narasumber", "Penguasaan materi", "Pembukaan", "4,25", "4", "0", "0", "1", "1", "2"] in cells


def test_without_an_invitation_or_an_evaluation_the_sections_say_there_is_nothing(world):
    content = selectors.report_content(world.event)
    assert (content.invitation, content.evaluation) == (None, None)
    html = documents.report_html(content)
    assert "Tidak ada surat undangan yang tercatat di Rakor untuk kegiatan ini." in html
    assert "Belum ada hasil evaluasi peserta." in html


ATTACK = ('<script>alert(1)</script> <img src="https://contoh.invalid/x.png"> '
          '<link rel="stylesheet" href="https://contoh.invalid/a.css"> '
          '<a rel="attachment" href="/media//proc/self/environ">lampiran</a> '
          '![gambar](https://contoh.invalid/y.png) <style>@import url(https://contoh.invalid/b.css)</style> '
          '<iframe src="https://contoh.invalid/"></iframe> **tebal**')


def test_narrative_markdown_is_inert(world, monkeypatch):
    fetched = []
    from rakor import pdf as rakor_pdf

    original = rakor_pdf.OwnFilesFetcher.fetch

    def recording(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(rakor_pdf.OwnFilesFetcher, "fetch", recording)
    monkeypatch.setenv("RAKOR_CANARY", "kanari-lingkungan-proses")
    services.report_save_narrative(event=world.event, by=world.organiser, background=ATTACK, objectives=ATTACK,
                                   conclusion=ATTACK)
    content = selectors.report_content(world.event)
    html = documents.report_html(content)
    for marker in ("<script", "<img", "<iframe", "<style>@import", "contoh.invalid/a.css", 'rel="attachment"'):
        assert marker not in html
    assert "<strong>tebal</strong>" in html
    pdf, _pages = documents.report_pdf(content)
    assert embedded_files(pdf) == {}
    assert [u for u in fetched if not u.startswith(("data:", "http://testserver/static/", "/static/"))
            and "/static/" not in u] == []
    assert not any("contoh.invalid" in u or "environ" in u for u in fetched)
    body = "\n".join(p.text for p in docx.Document(io.BytesIO(documents.report_docx(content))).paragraphs)
    assert "<script>" not in body and "alert(1)" not in body and "tebal" in body


def test_only_organisers_see_and_generate(client, world):
    url = f"/e/{world.event.slug}/panitia/laporan/"
    for user in (coordinator(world.jabar), scanner(), notulis()):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.get(url + "pratinjau/").status_code == 403
        assert client.post(url + "buat/").status_code == 403
    client.logout()
    assert client.get(url).status_code == 302 and "/akun/masuk/" in client.get(url)["Location"]
    assert ReportVersion.objects.count() == 0
    client.force_login(world.organiser)
    page = client.get(url).content.decode()
    assert "Laporan kegiatan" in page and 'aria-current="page">Laporan kegiatan</a>' in page
    preview = client.get(url + "pratinjau/").content.decode()
    assert "BAB III HASIL KEGIATAN" in preview and "Menyusun rencana aksi ZI" in preview


def test_generate_finalise_sign_and_download(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.organiser)
    url = f"/e/{world.event.slug}/panitia/laporan/"
    response = client.post(url, {"background": "Latar **Rakorwas**.", "objectives": "1. Tujuan", "conclusion": "Baik."})
    assert response.status_code == 302
    for _draft in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url + "buat/")
    drafts = list(ReportVersion.objects.filter(final=False))
    assert [(v.number, v.status) for v in drafts] == [(2, "ready")]  # a new draft replaces the older one
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url + "buat/", {"final": "1"})
    final = ReportVersion.objects.get(final=True)
    assert (final.number, final.status, final.signer) == (
        3, "ready", ("Panitia Rakorwas (sertifikat demo, swasertifikasi), "
                     "Inspektorat Jenderal Kementerian Agama Republik Indonesia"))
    pdf = b"".join(client.get(url + "v3.pdf").streaming_content)
    verdict = signing.validate_signature(pdf)
    assert verdict == {"signed": True, "intact": True, "covers_whole_file": True,
                       "signer": "Panitia Rakorwas (sertifikat demo, swasertifikasi)"}
    from pyhanko.pdf_utils.reader import PdfFileReader

    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    assert (signature.field_name, str(signature.sig_object["/Reason"])) == (
        "TandaTanganLaporan", "Laporan kegiatan final disahkan oleh panitia")
    assert "VERSI FINAL" in pdf_text(pdf) and "Latar Rakorwas." in " ".join(pdf_text(pdf).split())
    tampered = pdf.replace(b"VERSI FINAL", b"VERSI FINAX", 1) if b"VERSI FINAL" in pdf else pdf[:-200] + pdf[-199:]
    assert signing.validate_signature(tampered)["intact"] is False or tampered == pdf
    docx_bytes = b"".join(client.get(url + "v3.docx").streaming_content)
    assert docx_headings(docx_bytes) == pdf_outline(pdf) == expected_headings()
    page = client.get(url).content.decode()
    assert 'href="/e/rakorwas-uji/panitia/laporan/v3.pdf"' in page and "v1.pdf" not in page
    assert client.get(url + "v1.pdf").status_code == 404


def test_erasure_deletes_the_stored_files(world, django_capture_on_commit_callbacks):
    from django.core.files.storage import default_storage

    from attendance.services import participant_erase

    with django_capture_on_commit_callbacks(execute=True):
        version = services.report_generation_request(event=world.event, by=world.organiser, final=True)
    version.refresh_from_db()
    names = [version.pdf.name, version.docx.name]
    assert all(default_storage.exists(n) for n in names)
    with django_capture_on_commit_callbacks(execute=True):
        participant_erase(participant=world.aceh_d.participant, by=world.organiser)
    version.refresh_from_db()
    assert (version.pdf.name, version.docx.name, version.error) == ("", "", "erased")
    assert not any(default_storage.exists(n) for n in names)
