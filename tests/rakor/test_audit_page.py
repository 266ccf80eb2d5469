"""/e/<event>/audit/: organisers read the trail, filter it, page through it; nobody else."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from attendance import services
from attendance.models import Registration
from rakor.audit import audit_record, snapshot
from rakor.models import AuditEntry
from tests.factories import EventFactory, RegistrationFactory, UnitFactory, UserFactory, coordinator, organiser

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("after_the_sessions")]  # minutes are finalised after their session
URL = "/e/rakorwas-uji/audit/"


def backdate(queryset, when):
    """Test set-up only: on PostgreSQL the trail's trigger refuses any change, so it is switched off here."""
    pg = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if pg:
            cursor.execute("SET LOCAL session_replication_role = replica")
        queryset.update(at=when)
        if pg:
            cursor.execute("SET LOCAL session_replication_role = origin")


@pytest.fixture
def event():
    return EventFactory(slug="rakorwas-uji", name="Rakorwas Uji")


def test_organiser_sees_who_what_when_and_before_after(client, event):
    siti = organiser(first_name="Siti", last_name="Panitia")
    reg = RegistrationFactory(event=event, status=Registration.Status.PENDING,
                              participant__full_name="Dr. H. Ahmad Fauzi, M.Ag.")
    services.registration_set_status(registrations=[reg], status=Registration.Status.REJECTED,
                                     reason="Bukan pejabat yang diundang.", by=siti)
    backdate(AuditEntry.objects.all(), dt.datetime(2022, 11, 21, 1, 5, 9, tzinfo=dt.timezone.utc))
    client.force_login(siti)

    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "1 entri" in html
    assert re.search(r"<td>(\d+ \w+ \d{4} [\d:]+)</td>\s*<td>([^<]+)</td>", html).groups() == (
        "21 Nov 2022 08:05:09", "Siti Panitia")
    # One sentence: who did what to whom, with names and the event's local time (issue 12, item 8).
    assert ("Siti Panitia menolak pendaftaran Dr. H. Ahmad Fauzi, M.Ag. — Rakorwas Uji pada Senin, 21 November 2022 "
            "pukul 08.05 WIB.") in html
    assert "Dr. H. Ahmad Fauzi, M.Ag. — Rakorwas Uji" in html
    assert "Alasan: Bukan pejabat yang diundang." in html
    assert ('<th scope="row">status</th><td><span class="before">Menunggu persetujuan</span> → '
            '<span class="after">Ditolak</span></td>') in html
    assert ('<th scope="row">alasan status</th><td><span class="before">—</span> → '
            '<span class="after">Bukan pejabat yang diundang.</span></td>') in html
    assert 'aria-current="page">Jejak audit</a>' in html


def test_other_events_entries_are_not_shown_but_event_free_ones_are(client, event):
    user = organiser()
    other = EventFactory(name="Acara Lain")
    services.registration_reissue_secret(registration=RegistrationFactory(event=other), by=user)
    unit = UnitFactory(name="Kanwil Kemenag Provinsi Aceh")
    before = snapshot(unit)
    unit.name = "Kanwil Kemenag Provinsi Aceh (baru)"
    unit.save()
    audit_record(actor=user, action="update", obj=unit, before=before, after=snapshot(unit))
    client.force_login(user)

    html = client.get(URL).content.decode()

    assert "Acara Lain" not in html
    assert "mengubah unit kerja Kanwil Kemenag Provinsi Aceh (baru) pada " in html
    assert "<span class=\"muted\">(tidak terikat acara)</span>" in html


def test_filters_by_kind_person_action_and_date(client, event):
    siti, budi = organiser(first_name="Siti"), organiser(first_name="Budi")
    a = RegistrationFactory(event=event, status=Registration.Status.PENDING)
    b = RegistrationFactory(event=event, status=Registration.Status.PENDING)
    services.registration_set_status(registrations=[a], status=Registration.Status.APPROVED, by=siti)
    services.registration_set_status(registrations=[b], status=Registration.Status.CANCELLED, by=budi)
    services.registration_reissue_secret(registration=a, by=siti)
    backdate(AuditEntry.objects.filter(object_id=str(b.pk)), timezone.now() - dt.timedelta(days=3))
    client.force_login(siti)

    def shown(**query):
        html = client.get(URL, query).content.decode()
        return sorted(re.findall(r'<tr data-object="(\d+)" data-action="([^"]+)">', html))

    assert shown(actor="Siti") == sorted([(str(a.pk), "status → Disetujui"), (str(a.pk), "tautan portal diganti")])
    assert shown(action="status:cancelled") == [(str(b.pk), "status → Dibatalkan")]
    assert shown(model="attendance.registration", actor="Budi") == [(str(b.pk), "status → Dibatalkan")]
    today = timezone.localdate(timezone.now(), event.tz)
    assert len(shown(date_from=today.isoformat())) == 2
    assert shown(date_to=(today - dt.timedelta(days=2)).isoformat()) == [(str(b.pk), "status → Dibatalkan")]
    assert client.get(URL, {"actor": "Orang Asing"}).status_code == 400


def test_paginated_by_fifty(client, event):
    user = organiser()
    reg = RegistrationFactory(event=event)
    for _ in range(55):
        audit_record(actor=user, action="update", obj=reg, before={"role": "participant"}, after={"role": "speaker"})
    client.force_login(user)

    first = client.get(URL).content.decode()
    second = client.get(URL, {"page": 2}).content.decode()

    assert first.count('<span class="after">Narasumber</span>') == 50
    assert second.count('<span class="after">Narasumber</span>') == 5
    assert "Halaman 1 dari 2" in first and 'href="?page=2"' in first


def test_query_count_does_not_grow_with_entries(client, event):
    user = organiser()
    reg = RegistrationFactory(event=event)
    client.force_login(user)
    client.get(URL)

    counts = []
    for n in (1, 2):  # 1 entry, then 3
        for _ in range(n):
            audit_record(actor=user, action="update", obj=reg, before={"role": "participant"}, after={"role": "speaker"})
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("who", ["coordinator", "plain"])
def test_nobody_but_organisers(client, event, who):
    user = coordinator(UnitFactory()) if who == "coordinator" else UserFactory()
    client.force_login(user)
    assert client.get(URL).status_code == 403


def test_anonymous_goes_to_login(client, event):
    response = client.get(URL)
    assert response.status_code == 302 and "next=/e/rakorwas-uji/audit/" in response["Location"]


def test_follow_up_evidence_is_shown_in_words(client, event):
    """Before: any evidence on a follow-up made the page answer 500 (its 'evidence' key is a reverse relation)."""
    from minutes import services as minutes_services
    from minutes.models import ActionItem
    from tests.minutes.factories_minutes import final_minutes, make_session, notulis

    siti = organiser(first_name="Siti", last_name="Panitia")
    unit = UnitFactory(name="Kanwil Kemenag Provinsi Aceh")
    final_minutes(make_session(event), notulis(), siti,
                  items=[{"what": "Menyusun rencana aksi zona integritas", "unit": unit.pk, "due": "2030-01-01"}])
    item = ActionItem.objects.get()
    evidence = minutes_services.add_evidence(item=item, by=siti, note="Rencana aksi sudah ditandatangani.",
                                             link="https://contoh.go.id/bukti")
    client.force_login(siti)

    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Siti Panitia menambahkan bukti pada tindak lanjut Menyusun rencana aksi zona integritas pada " in html
    assert ('<th scope="row">bukti tindak lanjut</th><td><span class="before">—</span> → '
            f'<span class="after">{evidence.pk}</span></td>') in html
    assert ('<th scope="row">keterangan</th><td><span class="before">—</span> → '
            '<span class="after">Rencana aksi sudah ditandatangani.</span></td>') in html
    assert ('<th scope="row">tautan bukti</th><td><span class="before">—</span> → '
            '<span class="after">https://contoh.go.id/bukti</span></td>') in html
    assert "berkas bukti" not in html  # no file: nothing changed there
