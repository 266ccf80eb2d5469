"""The notula as a page, a print view and a PDF: injection rendered inert, attendance from the record."""

import datetime as dt
import io
import uuid
from html.parser import HTMLParser

import pytest
from pypdf import PdfReader

from attendance.models import CheckIn, OnlineAttendance
from minutes import services
from minutes.documents import minutes_pdf, minutes_pdf_html
from minutes.markup import render_markdown
from minutes.models import ActionItem
from minutes.policy import FULL_ACCESS
from tests.factories import (
    EventFactory,
    RegistrationFactory,
    UnitFactory,
    coordinator,
    organiser,
)
from tests.minutes.factories_minutes import content, make_session, notulis, open_minutes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("after_the_sessions")]  # minutes are finalised after their session

PAYLOAD = ('<script>alert("xss")</script><img src="http://evil.example/x.png" onerror="alert(1)">'
           '<a href="javascript:alert(2)">klik</a><iframe src="http://evil.example/"></iframe>'
           '<style>body{display:none}</style>[md](javascript:alert(3))')
SHORT = '<script>alert(1)</script><b onclick=x>'  # fits the 40 characters of a NIP field
TEXT_FIELDS = ("chair_name", "chair_position", "chair_rank", "chair_nip", "taker_name", "taker_position",
               "taker_rank", "taker_nip", "agenda", "discussion", "decisions")


def payload_for(field):
    return PAYLOAD if field in ("agenda", "discussion", "decisions") else SHORT


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pdf_text(body: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages).split())


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def assert_inert(html: str):
    """Parsed as a browser would: no script but our own files, no image/frame/style from the text, no handlers."""
    parser = _Elements()
    parser.feed(html)
    for tag, attrs in parser.found:
        if tag == "script":
            assert attrs.get("src", "").startswith("/static/"), (tag, attrs)
        assert tag not in ("img", "iframe", "object", "embed"), (tag, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, attrs)
            if name in ("href", "src", "action", "formaction", "data", "style"):
                assert not (value or "").strip().lower().startswith("javascript:"), (tag, attrs)
                assert "evil.example" not in (value or ""), (tag, attrs)
    assert "body{display:none}" not in html.replace("&lt;style&gt;body{display:none}", "")


def test_markdown_is_sanitised():
    html = str(render_markdown("**tebal**\n\n" + PAYLOAD))
    assert "<strong>tebal</strong>" in html
    assert_inert(html)


@pytest.fixture
def hostile():
    """Final minutes whose every text field, follow-up, note and evidence carries the payload."""
    event = EventFactory()
    session = make_session(event)
    org = organiser()
    taker = notulis()
    unit = UnitFactory(name="Kanwil Uji")
    minutes = open_minutes(session, [taker], by=org)
    fields = {f: payload_for(f) for f in TEXT_FIELDS}
    items = [{"what": PAYLOAD, "unit": unit.pk, "due": "2030-01-01"}]
    services.save_draft(minutes=minutes, by=taker, content=content(**fields, items=items),
                        base_revision=minutes.revision_number, submit=True)
    minutes.refresh_from_db()
    services.return_to_draft(minutes=minutes, by=org, note=PAYLOAD)
    minutes.refresh_from_db()
    services.save_draft(minutes=minutes, by=taker, content={}, base_revision=minutes.revision_number, submit=True)
    minutes.refresh_from_db()
    services.finalise(minutes=minutes, by=org)
    minutes.refresh_from_db()
    item = ActionItem.objects.get()
    services.set_item_status(item=item, by=org, status="in_progress", note=PAYLOAD)
    services.add_evidence(item=item, by=org, note=PAYLOAD, link="https://contoh.go.id/bukti?x=<script>")
    return {"event": event, "session": session, "minutes": minutes, "org": org, "taker": taker, "item": item,
            "unit": unit}


def test_injection_is_inert_in_every_page(client, hostile):
    event, session = hostile["event"], hostile["session"]
    base = f"/e/{event.slug}/notulen/{session.pk}/"
    client.force_login(hostile["org"])
    pages = [base, base + "cetak/", base + "revisi/?a=1&b=3", base + "revisi/?lihat=2",
             f"/e/{event.slug}/notulen/", f"/e/{event.slug}/tindak-lanjut/",
             f"/e/{event.slug}/tindak-lanjut/{hostile['item'].pk}/"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.content.decode())
    # The plain fields show the text as text.
    page = client.get(base).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b onclick=x&gt;" in page
    # The coordinator of the unit sees the follow-up: inert there too.
    client.force_login(coordinator(hostile["unit"]))
    assert_inert(client.get(f"/e/{event.slug}/tindak-lanjut/{hostile['item'].pk}/").content.decode())


def test_injection_is_inert_in_the_editor_and_the_conflict_view(client, hostile):
    minutes, org, taker = hostile["minutes"], hostile["org"], hostile["taker"]
    services.open_correction(minutes=minutes, by=org, reason=PAYLOAD)
    minutes.refresh_from_db()
    url = f"/e/{hostile['event'].slug}/notulen/{hostile['session'].pk}/"
    client.force_login(taker)
    assert_inert(client.get(url).content.decode())
    data = {**{f: payload_for(f) for f in TEXT_FIELDS}, "opened": "09:00", "closed": "10:00",
            "base_revision": minutes.revision_number - 1, "action": "save",
            "items-TOTAL_FORMS": "0", "items-INITIAL_FORMS": "0"}
    response = client.post(url, data)
    assert response.status_code == 409
    assert_inert(response.content.decode())
    data["action"] = "preview"
    assert_inert(client.post(url, data).content.decode())
    client.force_login(org)
    assert_inert(client.get(url + "revisi/").content.decode())


def test_injection_is_inert_in_the_pdf(hostile):
    html = minutes_pdf_html(hostile["minutes"], access=FULL_ACCESS)
    assert_inert(html)
    body = minutes_pdf(hostile["minutes"], access=FULL_ACCESS)  # would fail if the document tried to fetch evil.example
    text = pdf_text(body)
    assert body.startswith(b"%PDF")
    assert "<script>alert(1)</script><b onclick=x>" in text  # a plain field, printed as the text it is
    assert "/JavaScript" not in body.decode("latin-1")
    assert "/JS " not in body.decode("latin-1")


# ---------------------------------------------------------------- attendance from the record


def checkin(registration, session=None, day=None, minute=0):
    event = registration.event
    scanned = dt.datetime.combine(day or event.days[0], dt.time(8, minute), tzinfo=event.tz)
    return CheckIn.objects.create(event=event, registration=registration, kind=CheckIn.Kind.ENTRY,
                                  day=day or event.days[0], session=session, scanned_at=scanned, nonce=uuid.uuid4(),
                                  result=CheckIn.Result.OK, gate="Pintu Ballroom")


def test_attendance_count_in_the_pdf_equals_the_record(client):
    event = EventFactory()
    session = make_session(event)
    org = organiser()
    taker = notulis()
    minutes = open_minutes(session, [taker], by=org)
    in_room = [RegistrationFactory(event=event, participant__full_name=f"Peserta Luring {i}") for i in range(3)]
    online = [RegistrationFactory(event=event, modes=["online"] * 3, participant__full_name=f"Peserta Daring {i}")
              for i in range(2)]
    for i, reg in enumerate(in_room):
        checkin(reg, session=session, minute=i)
    checkin(RegistrationFactory(event=event, participant__full_name="Hanya Di Pintu"))  # door only: not this session
    CheckIn.objects.create(event=event, registration=online[0], kind=CheckIn.Kind.ENTRY, day=event.days[0],
                           session=session, scanned_at=session.start, nonce=uuid.uuid4(),
                           result=CheckIn.Result.ALREADY)  # refused scan: not counted
    for reg in online:
        OnlineAttendance.objects.create(registration=reg, session=session, first_joined_at=session.start,
                                        heartbeat_minutes=50)
    # Someone in the room who also opened the online link is counted once, in person.
    OnlineAttendance.objects.create(registration=in_room[0], session=session, first_joined_at=session.start,
                                    heartbeat_minutes=5)
    OnlineAttendance.objects.create(registration=RegistrationFactory(event=event, modes=["online"] * 3),
                                    session=session)  # never joined: not counted
    text = pdf_text(minutes_pdf(minutes, access=FULL_ACCESS))
    assert "5 orang: 3 luring, 2 daring (daftar hadir terlampir)" in text
    assert "Peserta luring (3 orang)" in text
    assert "Peserta daring (2 orang)" in text
    for name in ("Peserta Luring 0", "Peserta Luring 1", "Peserta Luring 2", "Peserta Daring 0", "Peserta Daring 1"):
        assert text.count(name) == 1
    assert "Hanya Di Pintu" not in text
    assert "dipindai masuk ke sesi ini" in text
    client.force_login(org)
    page = client.get(f"/e/{event.slug}/notulen/{session.pk}/cetak/").content.decode()
    assert "5 orang: 3 luring, 2 daring (daftar hadir terlampir)" in page


def test_without_session_scans_the_day_entries_are_used_and_the_pdf_says_so():
    event = EventFactory()
    session = make_session(event)
    minutes = open_minutes(session, [notulis()])
    for i in range(2):
        checkin(RegistrationFactory(event=event, participant__full_name=f"Hadir Hari Itu {i}"), minute=i)
    checkin(RegistrationFactory(event=event, participant__full_name="Hadir Besoknya"), day=event.days[1])
    text = pdf_text(minutes_pdf(minutes, access=FULL_ACCESS))
    assert "2 orang: 2 luring, 0 daring (daftar hadir terlampir)" in text
    assert "presensi pintu masuk pada hari sesi" in text
    assert "Hadir Besoknya" not in text


def test_final_pdf_has_the_notula_layout(client):
    event = EventFactory()
    session = make_session(event)
    org = organiser()
    taker = notulis()
    unit = UnitFactory(name="Inspektorat Wilayah I")
    minutes = open_minutes(session, [taker], by=org)
    services.save_draft(minutes=minutes, by=taker, content=content(
        items=[{"what": "Menyusun rencana aksi zona integritas", "unit": unit.pk, "due": "2030-01-31"}]),
        base_revision=minutes.revision_number, submit=True)
    minutes.refresh_from_db()
    services.finalise(minutes=minutes, by=org)
    minutes.refresh_from_db()
    client.force_login(org)
    response = client.get(f"/e/{event.slug}/notulen/{session.pk}/pdf/")
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in ("NOTULA RAPAT", "Pimpinan rapat : Dr. H. Faisal, M.Si., Inspektur Wilayah I",
                     "Waktu : 09:05–10:55 WIB", "Menyusun rencana aksi zona integritas", "31 Januari 2030",
                     "Pimpinan Rapat,", "Notulis,", "NIP 197001011998031001", "NIP 198805052015032002",
                     "Pembina Utama Muda (IV/c)", "Penata (III/c)", "LAMPIRAN: DAFTAR HADIR"):
        assert expected in text, expected
    assert "belum final" not in text
