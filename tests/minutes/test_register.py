"""The follow-up register: coordinators see their unit's subtree only; filters, overdue, XLSX, evidence, carry-over."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from minutes import services
from minutes.models import ActionItem
from rakor.models import AuditEntry
from tests.factories import EventFactory, UnitFactory, coordinator, organiser
from tests.minutes.factories_minutes import (
    content,
    final_minutes,
    make_session,
    notulis,
    open_minutes,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("after_the_sessions")]  # minutes are finalised after their session


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world():
    event = EventFactory()
    org = organiser()
    taker = notulis()
    jabar = UnitFactory(name="Kanwil Kemenag Provinsi Jawa Barat")
    bandung = UnitFactory(name="Kankemenag Kota Bandung", parent=jabar, kind="district")
    dki = UnitFactory(name="Kanwil Kemenag Provinsi DKI Jakarta")
    today = dt.date.today()
    items = [
        {"what": "Jabar: rencana aksi ZI", "unit": jabar.pk, "due": (today - dt.timedelta(days=3)).isoformat()},
        {"what": "Bandung: laporan gratifikasi", "unit": bandung.pk, "due": (today + dt.timedelta(days=5)).isoformat()},
        {"what": "DKI: tindak lanjut temuan BPK", "unit": dki.pk, "due": (today + dt.timedelta(days=60)).isoformat()},
    ]
    minutes = final_minutes(make_session(event), taker, org, items=items)
    draft = open_minutes(make_session(event, title="Sesi yang masih draf", hour=13), [taker], by=org)
    services.save_draft(minutes=draft, by=taker, content=content(items=[
        {"what": "Jabar: belum diputuskan", "unit": jabar.pk, "due": ""}]), base_revision=draft.revision_number)
    return {"event": event, "org": org, "jabar": jabar, "bandung": bandung, "dki": dki, "minutes": minutes,
            "coord_jabar": coordinator(jabar), "coord_bandung": coordinator(bandung),
            "url": f"/e/{event.slug}/tindak-lanjut/"}


def whats(response) -> list[str]:
    return [row["item"].what for row in response.context["rows"]]


def test_organiser_sees_every_decided_follow_up(client, world):
    client.force_login(world["org"])
    assert whats(client.get(world["url"])) == [
        "Jabar: rencana aksi ZI", "Bandung: laporan gratifikasi", "DKI: tindak lanjut temuan BPK"]


def test_coordinator_sees_only_their_unit_subtree(client, world):
    client.force_login(world["coord_jabar"])
    page = client.get(world["url"])
    assert whats(page) == ["Jabar: rencana aksi ZI", "Bandung: laporan gratifikasi"]
    assert "DKI: tindak lanjut temuan BPK" not in page.content.decode()
    client.force_login(world["coord_bandung"])
    assert whats(client.get(world["url"])) == ["Bandung: laporan gratifikasi"]
    # The XLSX export holds the same rows, no more.
    rows = load_workbook(io.BytesIO(client.get(world["url"] + "?format=xlsx").content)).active.iter_rows(values_only=True)
    assert [r[1] for r in rows if r and isinstance(r[0], int)] == ["Bandung: laporan gratifikasi"]


def test_a_follow_up_of_another_unit_is_a_404_for_a_coordinator(client, world):
    dki_item = ActionItem.objects.get(unit=world["dki"])
    client.force_login(world["coord_jabar"])
    url = f"{world['url']}{dki_item.pk}/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "status", "status": "done"}).status_code == 404
    dki_item.refresh_from_db()
    assert dki_item.status == "open"


def test_people_without_a_unit_role_are_refused(client, world):
    client.force_login(notulis())
    assert client.get(world["url"]).status_code == 403


def test_filters_and_overdue(client, world):
    client.force_login(world["org"])
    assert whats(client.get(world["url"] + "?due=overdue")) == ["Jabar: rencana aksi ZI"]
    assert whats(client.get(world["url"] + "?due=week")) == ["Bandung: laporan gratifikasi"]
    assert whats(client.get(world["url"] + f"?unit={world['jabar'].pk}")) == [
        "Jabar: rencana aksi ZI", "Bandung: laporan gratifikasi"]
    page = client.get(world["url"])
    assert [row["overdue"] for row in page.context["rows"]] == [True, False, False]
    assert '<tr class="overdue st-open">' in page.content.decode()
    assert "1 melewati batas waktu" in page.content.decode()
    ActionItem.objects.filter(unit=world["dki"]).update(status="done")
    assert whats(client.get(world["url"] + "?status=done")) == ["DKI: tindak lanjut temuan BPK"]


def test_xlsx_export_marks_overdue_items(client, world):
    client.force_login(world["org"])
    response = client.get(world["url"] + "?format=xlsx")
    assert response["Content-Disposition"] == f'attachment; filename="tindak-lanjut-{world["event"].slug}.xlsx"'
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = [r for r in ws.iter_rows(values_only=True) if r and isinstance(r[0], int)]
    assert [(r[1], r[2], r[4], r[5]) for r in rows] == [
        ("Jabar: rencana aksi ZI", "Kanwil Kemenag Provinsi Jawa Barat", "Belum ditindaklanjuti", "Ya"),
        ("Bandung: laporan gratifikasi", "Kankemenag Kota Bandung", "Belum ditindaklanjuti", None),
        ("DKI: tindak lanjut temuan BPK", "Kanwil Kemenag Provinsi DKI Jakarta", "Belum ditindaklanjuti", None),
    ]


def test_coordinator_marks_progress_and_adds_evidence(client, world):
    item = ActionItem.objects.get(unit=world["bandung"])
    client.force_login(world["coord_jabar"])  # the parent unit's coordinator may act for Bandung
    url = f"{world['url']}{item.pk}/"
    client.post(url, {"action": "status", "status": "in_progress", "note": "Draf laporan disusun."})
    upload = SimpleUploadedFile("laporan.pdf", b"%PDF-1.4 bukti", content_type="application/pdf")
    client.post(url, {"action": "evidence", "note": "Laporan terlampir", "link": "https://kemenag.go.id/x",
                      "file": upload})
    item.refresh_from_db()
    assert (item.status, item.progress_note) == ("in_progress", "Draf laporan disusun.")
    evidence = item.evidence.get()
    assert (evidence.note, evidence.link, evidence.added_by) == (
        "Laporan terlampir", "https://kemenag.go.id/x", world["coord_jabar"])
    download = client.get(f"{url}bukti/{evidence.pk}/")
    assert b"".join(download.streaming_content) == b"%PDF-1.4 bukti"
    client.force_login(world["coord_bandung"])
    assert client.get(f"{url}bukti/{evidence.pk}/").status_code == 200
    client.force_login(coordinator(world["dki"]))
    assert client.get(f"{url}bukti/{evidence.pk}/").status_code == 404
    assert list(AuditEntry.objects.filter(object_id=str(item.pk), model="minutes.actionitem")
                .order_by("id").values_list("action", flat=True)) == ["action_item_status", "action_item_evidence"]


def test_evidence_link_must_be_a_web_address(client, world):
    item = ActionItem.objects.get(unit=world["jabar"])
    client.force_login(world["coord_jabar"])
    client.post(f"{world['url']}{item.pk}/", {"action": "evidence", "link": "javascript:alert(1)"})
    assert item.evidence.count() == 0


def test_a_new_event_brings_in_the_open_follow_ups_of_the_previous_one(client, world):
    old_event = world["event"]
    ActionItem.objects.filter(unit=world["dki"]).update(status="done")
    new_event = EventFactory(start_date=old_event.start_date + dt.timedelta(days=365))
    client.force_login(world["org"])
    url = f"/e/{new_event.slug}/tindak-lanjut/"
    assert client.get(url).context["previous"] == old_event
    client.post(url + "bawa/", {"source": old_event.pk})
    client.post(url + "bawa/", {"source": old_event.pk})  # twice: each is brought in once
    carried = ActionItem.objects.filter(event=new_event).order_by("due_date")
    assert [(i.what, i.carried_from.event_id, i.minutes_id) for i in carried] == [
        ("Jabar: rencana aksi ZI", old_event.pk, None), ("Bandung: laporan gratifikasi", old_event.pk, None)]
    page = client.get(url).content.decode()
    assert f"Rakor sebelumnya: {old_event.name}" in page
    client.force_login(world["coord_bandung"])
    assert whats(client.get(url)) == ["Bandung: laporan gratifikasi"]
    client.force_login(world["coord_jabar"])
    assert client.post(url + "bawa/", {"source": old_event.pk}).status_code == 403


def test_the_register_shows_a_page_at_a_time_keeping_the_filter(client, world, monkeypatch):
    from minutes import views_register

    monkeypatch.setattr(views_register, "REGISTER_PAGE_SIZE", 2)
    client.force_login(world["org"])
    first = client.get(world["url"] + "?status=open")
    assert whats(first) == ["Jabar: rencana aksi ZI", "Bandung: laporan gratifikasi"]
    html = first.content.decode()
    assert "Halaman 1 dari 2" in html
    assert '<a href="?status=open&amp;page=2">Berikutnya ›</a>' in html
    assert '<a href="?status=open&amp;format=xlsx">Unduh XLSX</a>' in html
    second = client.get(world["url"] + "?status=open&page=2")
    assert whats(second) == ["DKI: tindak lanjut temuan BPK"]
    assert "<td>3</td>" in second.content.decode()  # numbered on from the first page
    assert second.context["counts"] == {"total": 3, "open": 3, "done": 0, "overdue": 1}  # over every page
