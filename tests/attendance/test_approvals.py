"""Approval as a workflow (issue 12, item 3): approvers, the participant's e-mail, seats held, "resend my link"."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from attendance import services
from attendance.models import Registration, RegistrationDay
from rakor.models import AuditEntry, Unit
from tests.factories import (
    EventFactory, ParticipantFactory, RegistrationFactory, UnitFactory, UnitQuotaFactory, coordinator, organiser,
    valid_nip,
)

pytestmark = pytest.mark.django_db

IN, ON = RegistrationDay.Mode.IN_PERSON, RegistrationDay.Mode.ONLINE
PENDING, APPROVED, REJECTED = Registration.Status.PENDING, Registration.Status.APPROVED, Registration.Status.REJECTED


@pytest.fixture
def tree():
    kanwil = UnitFactory(name="Kantor Wilayah Kementerian Agama Provinsi Jawa Barat", code="kanwil-jabar")
    district = UnitFactory(name="Kantor Kementerian Agama Kabupaten Bandung", short_name="Kankemenag Kab. Bandung",
                           code="kankemenag-kab-bandung", kind=Unit.Kind.DISTRICT, parent=kanwil)
    other = UnitFactory(name="Kantor Wilayah Kementerian Agama Provinsi Jawa Timur", code="kanwil-jatim")
    return kanwil, district, other


@pytest.fixture
def event():
    return EventFactory(slug="rakor-setuju", name="Rakorwas Uji", requires_approval=True)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what a block queued on commit (the e-mails) when it ends, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def pending(event, unit, name="Siti Aminah", email="siti@kemenag.go.id", **kwargs):
    return RegistrationFactory(event=event, status=PENDING, participant=ParticipantFactory(
        full_name=name, unit=unit, email=email), **kwargs)


def test_coordinator_approves_from_the_page_the_person_gets_the_ticket_by_email_and_on_the_portal(client, tree, event,
                                                                                                  committed):
    kanwil, district, _other = tree
    registration = pending(event, district)
    client.force_login(coordinator(kanwil))
    page = client.get(reverse("attendance:approvals", args=[event.slug]))
    assert "Siti Aminah" in page.content.decode()

    with committed():
        response = client.post(reverse("attendance:approvals", args=[event.slug]),
                               {"single": registration.public_id}, follow=True)

    assert "1 pendaftaran disetujui" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == APPROVED
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["siti@kemenag.go.id"]
    assert message.subject == "Pendaftaran disetujui, tiket Anda terlampir: Rakorwas Uji"
    assert registration.portal_url in message.body
    assert [a[0] for a in message.attachments] == [f"tiket-{event.slug}-{registration.public_id}.pdf"]
    assert message.attachments[0][1][:5] == b"%PDF-"
    portal = client.get(registration.portal_path).content.decode()
    assert "Disetujui" in portal and registration.ticket in portal
    entry = AuditEntry.objects.get(action="status:approved", object_id=str(registration.pk))
    assert entry.actor_label  # the coordinator's name


def test_refusal_needs_a_reason_and_tells_the_person_with_it(client, tree, event, committed):
    kanwil, district, _other = tree
    registration = pending(event, district)
    client.force_login(coordinator(kanwil))
    url = reverse("attendance:approval_refuse", args=[event.slug, registration.public_id])

    empty = client.post(url, {"reason": ""})
    assert "Tuliskan alasan penolakan" in empty.content.decode()
    with committed():
        client.post(url, {"reason": "Kuota unit sudah diisi pejabat lain."})

    registration.refresh_from_db()
    assert (registration.status, registration.status_reason) == (REJECTED, "Kuota unit sudah diisi pejabat lain.")
    assert [m.subject for m in mail.outbox] == ["Pendaftaran Anda ditolak: Rakorwas Uji"]
    assert "Kuota unit sudah diisi pejabat lain." in mail.outbox[0].body
    assert mail.outbox[0].attachments == []
    assert "Kuota unit sudah diisi pejabat lain." in client.get(registration.portal_path).content.decode()


def test_bulk_approval_and_a_coordinator_cannot_decide_outside_their_subtree(client, tree, event):
    kanwil, district, other = tree
    mine = [pending(event, district, name=f"Orang {i}", email=f"o{i}@kemenag.go.id") for i in range(3)]
    theirs = pending(event, other, name="Budi Santoso", email="budi@kemenag.go.id")
    user = coordinator(district)
    client.force_login(user)

    page = client.get(reverse("attendance:approvals", args=[event.slug])).content.decode()
    assert "Budi Santoso" not in page
    client.post(reverse("attendance:approvals", args=[event.slug]),
                {"action": "approve", "ids": [r.public_id for r in mine] + [theirs.public_id]})

    assert sorted(Registration.objects.filter(status=APPROVED).values_list("participant__full_name", flat=True)) == [
        "Orang 0", "Orang 1", "Orang 2"]
    assert Registration.objects.get(pk=theirs.pk).status == PENDING
    with pytest.raises(services.DecisionRefused):
        services.registration_decide(registrations=[theirs], approve=True, by=user)
    assert client.get(reverse("attendance:approval_refuse", args=[event.slug, theirs.public_id])).status_code == 404


def test_page_offers_whatsapp_with_the_message_prefilled(client, tree, event):
    kanwil, district, _other = tree
    registration = pending(event, district)
    services.registration_decide(registrations=[registration], approve=True, by=organiser())
    client.force_login(organiser())
    page = client.get(reverse("attendance:approvals", args=[event.slug])).content.decode()
    assert "https://wa.me/6281234567890?text=Yth.%20Siti%20Aminah%2C%20pendaftaran%20Anda%20pada%20Rakorwas%20Uji" \
           "%20telah%20disetujui" in page


def test_first_email_of_a_pending_registration_speaks_of_no_ticket(tree, event, committed):
    _kanwil, district, _other = tree
    with committed():
        services.registration_create(
            event=event, data=services.ParticipantData(full_name="Nur Aini", unit=district, id_number=valid_nip("P"),
                                                       email="nur@kemenag.go.id"),
            days={d: ON for d in event.days}, consent_text="setuju")
    assert [m.subject for m in mail.outbox] == ["Pendaftaran Anda diterima, menunggu persetujuan: Rakorwas Uji"]
    assert "tiket" not in mail.outbox[0].subject.lower()
    assert mail.outbox[0].attachments == []


def test_first_email_of_an_approved_registration_carries_the_ticket(tree, committed):
    _kanwil, district, _other = tree
    event = EventFactory(name="Rakor Langsung", requires_approval=False)
    with committed():
        services.registration_create(
            event=event, data=services.ParticipantData(full_name="Nur Aini", unit=district, id_number=valid_nip("P"),
                                                       email="nur@kemenag.go.id"),
            days={d: ON for d in event.days}, consent_text="setuju")
    assert [m.subject for m in mail.outbox] == ["Tiket dan tautan portal Anda: Rakor Langsung"]
    assert len(mail.outbox[0].attachments) == 1


# ---------------------------------------------------------------- seats held by pending registrations


def test_pending_holds_a_seat_until_the_registration_closes(tree, event):
    kanwil, district, _other = tree
    UnitQuotaFactory(event=event, unit=kanwil, in_person_seats=1)
    event.registration_closes = timezone.now() + dt.timedelta(hours=1)
    event.save()
    waiting = pending(event, district, modes=[IN, ON, ON])
    data = services.ParticipantData(full_name="Ahmad Fauzi", unit=kanwil, id_number=valid_nip())
    with pytest.raises(Exception, match="sudah penuh"):
        services.registration_create(event=event, data=data, days={event.days[0]: IN}, channel="organiser",
                                     by=organiser())

    event.registration_closes = timezone.now() - dt.timedelta(minutes=1)
    event.save()
    waiting.event = event
    assert waiting.holds_seat() is False
    ahmad = services.registration_create(event=event, data=data, days={event.days[0]: IN}, channel="organiser",
                                         by=organiser())
    assert services.registration_decide(registrations=[ahmad], approve=True, by=organiser()) == 1
    # Approving the one who waited now re-checks the seat, which is taken.
    with pytest.raises(Exception, match="sudah penuh"):
        services.registration_decide(registrations=[waiting], approve=True, by=organiser())
    assert Registration.objects.get(pk=waiting.pk).status == PENDING


def test_coordinator_sees_who_holds_their_seats(client, tree, event):
    kanwil, district, other = tree
    UnitQuotaFactory(event=event, unit=kanwil, in_person_seats=5)
    RegistrationFactory(event=event, participant=ParticipantFactory(full_name="Ahmad Fauzi", unit=kanwil))
    pending(event, district, modes=[IN, ON, ON])
    pending(event, district, name="Daring Saja", email="d@kemenag.go.id", modes=[ON, ON, ON])
    RegistrationFactory(event=event, participant=ParticipantFactory(full_name="Budi Santoso", unit=other))
    client.force_login(coordinator(kanwil))
    page = client.get(reverse("attendance:seat_holders", args=[event.slug])).content.decode()
    assert "2 orang memegang kursi" in page
    assert "Ahmad Fauzi" in page and "Siti Aminah" in page
    assert "Daring Saja" not in page and "Budi Santoso" not in page
    assert "ditahan sampai diputuskan" in page


# ---------------------------------------------------------------- resend my link


def test_resend_goes_only_to_the_address_on_record_and_answers_the_same_for_unknown_nips(client, tree, event,
                                                                                          committed):
    _kanwil, district, _other = tree
    nip = valid_nip()
    registration = RegistrationFactory(event=event, participant=ParticipantFactory(
        full_name="Ahmad Fauzi", unit=district, id_number=nip, email="ahmad@kemenag.go.id"))
    url = reverse("attendance:resend_link", args=[event.slug])

    with committed():
        known = client.post(url, {"identifier": nip}, follow=True)
        unknown = client.post(url, {"identifier": valid_nip("P")}, follow=True)
        typed_other = client.post(url, {"identifier": "penyerang@contoh.id"}, follow=True)

    answer = "tautan portal sudah kami kirim ke alamat e-mail yang tercatat"
    for response in (known, unknown, typed_other):
        assert response.status_code == 200 and answer in response.content.decode()
    def page(response):  # the CSRF token differs from one page to the next; nothing else may
        return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", response.content)

    assert page(known) == page(unknown) == page(typed_other)
    assert [m.to for m in mail.outbox] == [["ahmad@kemenag.go.id"]]
    assert registration.portal_url in mail.outbox[0].body
    assert mail.outbox[0].subject == "Tiket dan tautan portal Anda: Rakorwas Uji"

    with committed():
        client.post(url, {"identifier": "AHMAD@kemenag.go.id"})
    assert [m.to for m in mail.outbox] == [["ahmad@kemenag.go.id"]] * 2


def test_resend_is_rate_limited_the_same_for_everybody(client, tree, event, settings):
    settings.RESEND_LINK_LIMIT = 2
    url = reverse("attendance:resend_link", args=[event.slug])
    for _ in range(2):
        assert client.post(url, {"identifier": valid_nip()}).status_code == 302
    refused = client.post(url, {"identifier": valid_nip()})
    assert refused.status_code == 429
    assert "Terlalu banyak permintaan" in refused.content.decode()
    assert refused["Retry-After"] == str(settings.RESEND_LINK_WINDOW)
