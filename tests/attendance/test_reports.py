"""Rekap kehadiran: the HTML page, the XLSX and the PDF carry the same numbers, with charts."""

import io
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.attendance.factories_dashboard import attendance_world
from tests.factories import coordinator, organiser

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return attendance_world()


def table_rows(html, cls):
    table = re.search(rf'<table class="plain recap{cls}">(.*?)</table>', html, re.S).group(1)
    return [[" ".join(re.sub(r"<[^>]+>", "", c).split()) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", tr, re.S)]
            for tr in re.findall(r"<tr>(.*?)</tr>", table, re.S)]


def test_html_recap_per_day_province_unit_session_with_charts(client, world):
    client.force_login(organiser())
    html = client.get(f"/e/{world.event.slug}/rekap/").content.decode()
    tables = re.findall(r'<table class="plain recap[^"]*">', html)
    assert len(tables) == 4
    days = table_rows(html, "")
    assert days == [
        ["Hari", "Diharapkan luring", "Hadir luring", "Terdaftar daring", "Bergabung daring"],
        ["Senin, 21 November 2022", "3", "2", "1", "1"],
        ["Selasa, 22 November 2022", "3", "1", "1", "0"],
        ["Rabu, 23 November 2022", "3", "0", "1", "0"],
        ["Jumlah", "9", "3", "3", "1"],
    ]
    assert table_rows(html, " units")[1:] == [
        ["Kanwil Kemenag Provinsi Aceh", "Aceh", "3", "1", "0", "0"],
        ["Kanwil Kemenag Provinsi Jawa Barat", "Jawa Barat", "6", "2", "0", "0"],
        ["Kankemenag Kabupaten Bogor", "Jawa Barat", "0", "0", "3", "1"],
    ]
    assert table_rows(html, " sessions")[1:] == [
        ["Sen 21 Nov", "08:00–10:00", "Pembukaan &lt;b&gt;Rakorwas&lt;/b&gt;", "Hibrida", "1", "1", "2"]]
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart bar-chart"') == 4
    assert "<b>Rakorwas</b>" not in html  # a session title is text, in tables and in charts
    assert "Pembukaan &lt;b&gt;Rakorwas&lt;/b&gt;" in re.search(r'aria-label="Peserta per sesi.*?</svg>', html, re.S).group(0)
    assert 'href="/e/rakorwas-uji/rekap.pdf"' in html and 'href="/e/rakorwas-uji/rekap.xlsx"' in html


def test_xlsx_recap_numbers_are_numbers(client, world):
    client.force_login(organiser())
    response = client.get(f"/e/{world.event.slug}/rekap.xlsx")
    assert response["Content-Disposition"] == 'attachment; filename="rekap-kehadiran-rakorwas-uji.xlsx"'
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["Ringkasan", "Per provinsi", "Per unit", "Per sesi"]
    summary = [list(r) for r in wb["Ringkasan"].iter_rows(min_row=6, values_only=True)]
    assert summary == [
        ["Hari", "Diharapkan luring", "Hadir luring", "Terdaftar daring", "Bergabung daring"],
        ["Senin, 21 November 2022", 3, 2, 1, 1],
        ["Selasa, 22 November 2022", 3, 1, 1, 0],
        ["Rabu, 23 November 2022", 3, 0, 1, 0],
        ["Jumlah", 9, 3, 3, 1],
    ]
    assert len(wb["Ringkasan"]._charts) == 1
    assert [list(r) for r in wb["Per provinsi"].iter_rows(min_row=7, values_only=True)] == [
        ["Aceh", 3, 1, 0, 0], ["Jawa Barat", 6, 2, 3, 1]]
    units = [list(r) for r in wb["Per unit"].iter_rows(min_row=6, values_only=True)]
    assert units[0][:6] == ["Unit kerja", "Provinsi", "Diharapkan luring", "Hadir luring", "Terdaftar daring",
                            "Bergabung daring"]
    assert units[0][6:8] == ["21 Nov: hadir luring", "21 Nov: bergabung daring"]
    assert units[2] == ["Kanwil Kemenag Provinsi Jawa Barat", "Jawa Barat", 6, 2, 0, 0, 1, 0, 1, 0, 0, 0]
    assert [list(r) for r in wb["Per sesi"].iter_rows(min_row=7, values_only=True)] == [
        ["Sen 21 Nov", "08:00–10:00", "Pembukaan <b>Rakorwas</b>", "Hibrida", 1, 1, 2]]


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_pdf_recap_has_the_numbers_and_charts(client, world):
    client.force_login(organiser())
    response = client.get(f"/e/{world.event.slug}/rekap.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="rekap-kehadiran-rakorwas-uji.pdf"'
    text = " ".join(pdf_text(response.content).split())
    assert "REKAP KEHADIRAN" in text
    assert "Senin, 21 November 2022 3 2 1 1" in text
    assert "Jumlah 9 3 3 1" in text
    assert "Kanwil Kemenag Provinsi Jawa Barat Jawa Barat 6 2 0 0" in text
    assert "Kehadiran luring per hari" in text  # the chart titles are drawn text
    assert "Peserta per sesi (di ruang dan daring)" in text


def test_coordinator_recap_is_their_subtree_with_its_name_in_title_and_file(client, world):
    client.force_login(coordinator(world.jabar))
    html = client.get(f"/e/{world.event.slug}/rekap/").content.decode()
    assert "Rekap Kehadiran — Kanwil Kemenag Provinsi Jawa Barat" in html
    assert table_rows(html, "")[-1] == ["Jumlah", "6", "2", "3", "1"]
    assert "Aceh" not in html
    response = client.get(f"/e/{world.event.slug}/rekap.pdf")
    assert response["Content-Disposition"] == 'attachment; filename="rekap-kehadiran-rakorwas-uji-kanwil-jabar-uji.pdf"'
    text = " ".join(pdf_text(response.content).split())
    assert "Jumlah 6 2 3 1" in text and "Aceh" not in text
