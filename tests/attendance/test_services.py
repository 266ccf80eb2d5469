"""Registration rules in attendance.services: identity, duplicates, seats, status changes, personal data."""

import datetime as dt
import threading

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import formats, timezone, translation

from attendance import services
from attendance.models import DataRequest, Participant, Registration, RegistrationDay
from attendance.services import ParticipantData
from rakor.models import Unit
from tests.factories import (
    EventFactory, ParticipantFactory, RegistrationFactory, UnitFactory, UnitQuotaFactory, coordinator, organiser,
    valid_nip,
)

pytestmark = pytest.mark.django_db

IN, ON = RegistrationDay.Mode.IN_PERSON, RegistrationDay.Mode.ONLINE
D1, D2, D3 = dt.date(2022, 11, 21), dt.date(2022, 11, 22), dt.date(2022, 11, 23)


@pytest.fixture
def event():
    return EventFactory(start_date=D1, end_date=D3, requires_approval=True)


@pytest.fixture
def kanwil():
    return UnitFactory(name="Kanwil Kemenag Provinsi Jawa Barat")


@pytest.fixture
def district(kanwil):
    return UnitFactory(name="Kankemenag Kabupaten Garut", kind=Unit.Kind.DISTRICT, parent=kanwil)


def person(unit, name="Ahmad Fauzi", nip=None, **kwargs):
    kwargs.setdefault("whatsapp", "081234567890")
    return ParticipantData(full_name=name, unit=unit, id_number=nip or valid_nip(), **kwargs)


def register(event, unit, days=None, **kwargs):
    data = kwargs.pop("data", None) or person(unit, name=kwargs.pop("name", "Peserta"))
    return services.registration_create(event=event, data=data, days=days or {D1: IN, D2: ON, D3: ON},
                                        channel=Registration.Channel.COORDINATOR, **kwargs)


def day(d):
    with translation.override("id"):
        return formats.date_format(d, "l, j F Y")


def messages(exc):
    return exc.message_dict if hasattr(exc, "error_dict") else exc.messages


def codes(exc):
    found = {getattr(exc, "code", None)}
    for errors in getattr(exc, "error_dict", {}).values():
        found |= {e.code for e in errors}
    return found - {None}


# ---------------------------------------------------------------- identity and duplicates


def test_one_participant_per_nip_across_events(kanwil):
    first, second = EventFactory(), EventFactory()
    nip = valid_nip()
    a = register(first, kanwil, data=person(kanwil, nip=nip, email="ahmad@kemenag.go.id", position="Kabag TU"),
                 days={first.start_date: ON})
    b = register(second, kanwil, data=person(kanwil, nip=nip, position="Kepala Kantor Wilayah"),
                 days={second.start_date: ON}, by=coordinator(kanwil))
    assert Participant.objects.count() == 1
    assert a.participant_id == b.participant_id
    b.participant.refresh_from_db()
    assert b.participant.position == "Kepala Kantor Wilayah"
    assert b.participant.email == "ahmad@kemenag.go.id"  # blank in the second form: kept, not blanked out
    assert b.participant.gender == "L"  # read from the NIP


def test_duplicate_for_the_same_event_raises_and_writes_nothing(event, kanwil):
    nip = valid_nip()
    register(event, kanwil, data=person(kanwil, nip=nip, position="Kabag TU"))
    before = (Participant.objects.count(), Registration.objects.count(), RegistrationDay.objects.count())
    with pytest.raises(ValidationError) as exc:
        register(event, kanwil, data=person(kanwil, name="Nama Lain", nip=nip, position="Jabatan Baru"))
    assert messages(exc.value) == {"id_number": [
        "Nomor identitas atau e-mail ini sudah terdaftar di acara ini. Buka tautan portal yang sudah dikirim ke "
        "e-mail/WhatsApp pemiliknya, atau hubungi panitia bila tautan hilang."]}
    assert (Participant.objects.count(), Registration.objects.count(), RegistrationDay.objects.count()) == before
    assert Participant.objects.get().position == "Kabag TU"


def test_error_codes_reach_the_caller(event, kanwil):
    nip = valid_nip()
    register(event, kanwil, data=person(kanwil, nip=nip))
    with pytest.raises(ValidationError) as exc:
        register(event, kanwil, data=person(kanwil, nip=nip))
    assert codes(exc.value) == {"duplicate"}
    UnitQuotaFactory(event=event, unit=kanwil, in_person_seats=1)
    with pytest.raises(ValidationError) as exc:
        register(event, kanwil)
    assert codes(exc.value) == {"quota_exceeded"}


def test_invalid_nip_writes_nothing(event, kanwil):
    with pytest.raises(ValidationError) as exc:
        register(event, kanwil, data=person(kanwil, nip="19780512200312100"))
    assert messages(exc.value) == {"id_number": ["NIP harus 18 digit; yang diisi 17 digit."]}
    assert Participant.objects.count() == 0


def test_consent_is_recorded_with_its_time_and_version(event, kanwil):
    before = timezone.now()
    r = register(event, kanwil, consent_text="Saya menyetujui pengolahan data pribadi saya.")
    assert r.consent_text == "Saya menyetujui pengolahan data pribadi saya."
    assert r.consent_version == settings.CONSENT_VERSION
    assert before <= r.consent_at <= timezone.now()
    on_behalf = register(event, kanwil, name="Tanpa Persetujuan")
    assert (on_behalf.consent_text, on_behalf.consent_version, on_behalf.consent_at) == ("", "", None)


def test_registration_by_a_coordinator_is_attributed(event, kanwil):
    user = coordinator(kanwil)
    r = register(event, kanwil, by=user)
    assert (r.registered_by, r.channel, r.status) == (user, Registration.Channel.COORDINATOR, Registration.Status.PENDING)


def test_portal_link_is_mailed_on_commit_only(event, kanwil, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks() as callbacks:
        register(event, kanwil, data=person(kanwil, email="ahmad@kemenag.go.id"))
    assert len(callbacks) == 1
    assert mailoutbox == []  # nothing is sent before the transaction commits


# ---------------------------------------------------------------- seats


def test_quota_counts_per_unit_per_day(event, kanwil):
    UnitQuotaFactory(event=event, unit=kanwil, in_person_seats=2)
    register(event, kanwil, {D1: IN, D2: IN, D3: ON})
    register(event, kanwil, {D1: IN, D2: ON, D3: ON})
    with pytest.raises(ValidationError) as exc:
        register(event, kanwil, {D1: IN, D2: ON, D3: ON}, name="Ketiga")
    assert messages(exc.value) == {"days": [
        f"Kuota luring Kanwil Kemenag Provinsi Jawa Barat (2 kursi) sudah penuh untuk {day(D1)}: 2 kursi sudah "
        "terpakai. Pilih daring untuk hari itu atau hubungi panitia."]}
    # Day 2 still has a seat; day 3 is untouched; online never counts.
    register(event, kanwil, {D1: ON, D2: IN, D3: IN}, name="Ketiga")
    with pytest.raises(ValidationError):
        register(event, kanwil, {D1: ON, D2: IN, D3: ON}, name="Keempat")
    register(event, kanwil, {D1: ON, D2: ON, D3: ON}, name="Keempat")


def test_ancestor_quota_governs_a_district_office_without_its_own(event, kanwil, district):
    UnitQuotaFactory(event=event, unit=kanwil, in_person_seats=1)
    register(event, district, {D1: IN})
    with pytest.raises(ValidationError) as exc:
        register(event, kanwil, {D1: IN}, name="Kabag TU")
    assert "Kuota luring Kanwil Kemenag Provinsi Jawa Barat (1 kursi) sudah penuh" in messages(exc.value)["days"][0]
    assert services.quota_for_unit(event=event, unit=district).unit == kanwil


def test_nested_quota_is_counted_apart_from_its_ancestor(event, kanwil, district):
    UnitQuotaFactory(event=event, unit=kanwil, in_person_seats=1)
    UnitQuotaFactory(event=event, unit=district, in_person_seats=1)
    register(event, district, {D1: IN}, name="Kakankemenag Garut")
    register(event, kanwil, {D1: IN}, name="Kakanwil")  # the district seat did not use the Kanwil's
    with pytest.raises(ValidationError) as exc:
        register(event, district, {D1: IN}, name="Staf Garut")
    assert messages(exc.value)["days"][0].startswith("Kuota luring Kankemenag Kabupaten Garut (1 kursi) sudah penuh")
    with pytest.raises(ValidationError) as exc:
        register(event, kanwil, {D1: IN}, name="Kabag TU")
    assert messages(exc.value)["days"][0].startswith("Kuota luring Kanwil Kemenag Provinsi Jawa Barat (1 kursi)")


def test_a_sub_district_unit_falls_under_the_nearest_quota(event, kanwil, district):
    below = UnitFactory(name="KUA Kecamatan Tarogong", kind=Unit.Kind.OTHER, parent=district)
    UnitQuotaFactory(event=event, unit=kanwil, in_person_seats=5)
    UnitQuotaFactory(event=event, unit=district, in_person_seats=1)
    register(event, below, {D1: IN})
    with pytest.raises(ValidationError) as exc:
        register(event, district, {D1: IN}, name="Kakankemenag Garut")
    assert "Kankemenag Kabupaten Garut" in messages(exc.value)["days"][0]


def test_event_capacity_limits_every_unit(event, kanwil):
    event.in_person_capacity = 1
    event.save()
    other = UnitFactory()
    register(event, kanwil, {D1: IN})
    with pytest.raises(ValidationError) as exc:
        register(event, other, {D1: IN, D2: ON}, name="Kedua")
    assert messages(exc.value) == {"days": [f"Kapasitas luring acara (1 kursi) sudah penuh untuk {day(D1)}."]}
    register(event, other, {D1: ON, D2: IN}, name="Kedua")


def test_a_cancelled_registration_frees_its_seat_and_reapproval_rechecks(event, kanwil):
    UnitQuotaFactory(event=event, unit=kanwil, in_person_seats=1)
    first = register(event, kanwil, {D1: IN}, name="Pertama")
    assert services.registration_set_status(registrations=[first], status=Registration.Status.CANCELLED,
                                            reason="Berhalangan") == 1
    second = register(event, kanwil, {D1: IN}, name="Kedua")
    with pytest.raises(ValidationError) as exc:
        services.registration_set_status(registrations=[first], status=Registration.Status.APPROVED)
    assert "Kuota luring Kanwil Kemenag Provinsi Jawa Barat (1 kursi) sudah penuh" in messages(exc.value)["days"][0]
    first.refresh_from_db()
    assert first.status == Registration.Status.CANCELLED
    # Approving the one holding the seat needs no new seat.
    assert services.registration_set_status(registrations=[second], status=Registration.Status.APPROVED) == 1


def test_rejection_needs_a_reason_and_is_attributed(event, kanwil):
    r = register(event, kanwil)
    user = organiser()
    with pytest.raises(ValidationError) as exc:
        services.registration_set_status(registrations=[r], status=Registration.Status.REJECTED, reason="  ", by=user)
    assert messages(exc.value) == {"reason": ["Tuliskan alasan penolakan; alasan ini ditampilkan kepada peserta."]}
    r.refresh_from_db()
    assert r.status == Registration.Status.PENDING
    services.registration_set_status(registrations=[r], status=Registration.Status.REJECTED,
                                     reason=" Bukan sasaran peserta luring ", by=user)
    r.refresh_from_db()
    assert (r.status, r.status_reason, r.status_changed_by) == (
        Registration.Status.REJECTED, "Bukan sasaran peserta luring", user)
    assert r.status_changed_at is not None


def test_set_status_is_all_or_nothing_and_counts_only_changes(event, kanwil):
    UnitQuotaFactory(event=event, unit=kanwil, in_person_seats=1)
    a = register(event, kanwil, {D1: ON}, name="A")
    b = register(event, kanwil, {D1: IN}, name="B")
    c = RegistrationFactory(event=event, participant=ParticipantFactory(unit=kanwil), status=Registration.Status.CANCELLED,
                            modes=[IN, ON, ON])
    with pytest.raises(ValidationError):
        services.registration_set_status(registrations=[a, b, c], status=Registration.Status.APPROVED)
    assert set(Registration.objects.values_list("status", flat=True)) == {"pending", "cancelled"}
    assert services.registration_set_status(registrations=[a, b], status=Registration.Status.APPROVED) == 2
    assert services.registration_set_status(registrations=[a, b], status=Registration.Status.APPROVED) == 0


def test_update_rechecks_seats_without_counting_itself(event, kanwil):
    UnitQuotaFactory(event=event, unit=kanwil, in_person_seats=1)
    holder = register(event, kanwil, {D1: IN, D2: ON, D3: ON}, name="Pemegang Kursi")
    services.registration_update(registration=holder, days={D1: IN, D2: IN, D3: ON})
    assert [(d.date, d.mode) for d in holder.days.all()] == [(D1, IN), (D2, IN), (D3, ON)]
    other = register(event, kanwil, {D1: ON, D2: ON, D3: IN}, name="Lain")
    with pytest.raises(ValidationError) as exc:
        services.registration_update(registration=other, days={D1: IN, D2: ON, D3: IN})
    assert messages(exc.value)["days"][0].startswith("Kuota luring Kanwil Kemenag Provinsi Jawa Barat (1 kursi)")
    assert [d.mode for d in other.days.all()] == [ON, ON, IN]  # unchanged


def test_update_refuses_a_nip_of_another_registered_person(event, kanwil):
    a = register(event, kanwil, name="A")
    b = register(event, kanwil, name="B")
    with pytest.raises(ValidationError) as exc:
        services.registration_update(registration=b, data=person(kanwil, name="B", nip=a.participant.id_number))
    assert messages(exc.value) == {"id_number": ["Nomor ini milik peserta lain yang sudah terdaftar."]}
    b.participant.refresh_from_db()
    assert b.participant.full_name == "B"


# ---------------------------------------------------------------- personal data (UU PDP)


def test_anonymise_erases_personal_data_cancels_and_keeps_the_rows(event, kanwil):
    r = register(event, kanwil, data=person(kanwil, email="ahmad@kemenag.go.id", position="Kabag TU", rank="IV/a"))
    old_secret = r.portal_secret
    past = RegistrationFactory(participant=r.participant, status=Registration.Status.REJECTED)
    request = services.data_request_create(registration=r, reason="Mohon hapus data saya.")
    user = organiser()

    services.participant_erase(participant=r.participant, by=user, note="Sesuai permintaan.")

    p = Participant.objects.get(pk=r.participant_id)
    assert (p.full_name, p.id_kind, p.id_number, p.email, p.whatsapp, p.position, p.rank, p.gender) == (
        "(dihapus atas permintaan)", Participant.IdKind.OTHER, "", "", "", "", "", "")
    assert p.anonymised_at is not None
    r.refresh_from_db(), past.refresh_from_db()
    assert (r.status, r.status_reason) == (Registration.Status.CANCELLED, "Data dihapus atas permintaan peserta.")
    assert r.portal_secret != old_secret
    assert past.status == Registration.Status.REJECTED  # a decided registration keeps its history
    assert Registration.objects.filter(participant=p).count() == 2
    assert r.days.count() == 3  # the attendance plan stays for the statistics
    request.refresh_from_db()
    assert (request.status, request.handled_by, request.note) == (DataRequest.Status.DONE, user, "Sesuai permintaan.")


def test_anonymised_person_can_register_again_as_a_new_participant(event, kanwil):
    nip = valid_nip()
    r = register(event, kanwil, data=person(kanwil, nip=nip))
    services.participant_erase(participant=r.participant)
    other = EventFactory()
    again = register(other, kanwil, data=person(kanwil, nip=nip), days={other.start_date: ON})
    assert again.participant_id != r.participant_id


# ---------------------------------------------------------------- concurrency (PostgreSQL row locks)


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises every writer, so there is no race to test")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_racing_for_the_last_seat(postgres_only):
    event = EventFactory(start_date=D1, end_date=D3)
    unit = UnitFactory(name="Kanwil Kemenag Provinsi Jawa Barat")
    UnitQuotaFactory(event=event, unit=unit, in_person_seats=2)
    register(event, unit, {D1: IN}, send_link=False, name="Sudah Ada")
    barrier = threading.Barrier(2)
    results: list = []

    def attempt(name):
        try:
            barrier.wait(timeout=10)
            register(event, unit, {D1: IN}, data=person(unit, name=name), send_link=False)
            results.append("ok")
        except ValidationError as exc:
            results.append(messages(exc)["days"][0])
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(name,)) for name in ("Rina Wati", "Joko Susilo")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results, key=lambda r: r != "ok") == [
        "ok",
        f"Kuota luring Kanwil Kemenag Provinsi Jawa Barat (2 kursi) sudah penuh untuk {day(D1)}: 2 kursi sudah "
        "terpakai. Pilih daring untuk hari itu atau hubungi panitia.",
    ]
    assert Registration.objects.filter(event=event, days__date=D1, days__mode=IN).count() == 2


def test_a_stranger_typing_a_known_nip_cannot_take_over_the_record(kanwil):
    """Self-registration (or a coordinator of another unit) only fills gaps in an existing record."""
    first, second, third = EventFactory(), EventFactory(), EventFactory()
    other_kanwil = UnitFactory()
    nip = valid_nip()
    register(first, kanwil, data=person(kanwil, nip=nip, email="ahmad@kemenag.go.id", position="Kabag TU"),
             days={first.start_date: ON})
    services.registration_create(
        event=second, data=person(other_kanwil, nip=nip, email="penyusup@contoh.id", whatsapp="081299990000",
                                  position="Jabatan Palsu"),
        days={second.start_date: ON}, channel=Registration.Channel.SELF)
    register(third, other_kanwil, data=person(other_kanwil, nip=nip, email="lain@contoh.id"),
             days={third.start_date: ON}, by=coordinator(other_kanwil))
    p = Participant.objects.get()
    assert (p.email, p.whatsapp, p.position, p.unit) == ("ahmad@kemenag.go.id", "+6281234567890", "Kabag TU", kanwil)


def test_a_short_code_already_taken_in_the_event_is_drawn_again_not_reported_as_a_duplicate(event, kanwil,
                                                                                             monkeypatch):
    """A random short code that another registration of the event holds used to make the insert fail
    and tell the person "sudah terdaftar"; it is drawn again instead."""
    taken = RegistrationFactory(event=event).short_code
    field = Registration._meta.get_field("short_code")
    draws = iter([taken, taken, "23456789A"[:8] + "X"])
    monkeypatch.setattr(field, "_get_default", lambda: next(draws))  # the model default, as Django calls it
    monkeypatch.setattr("attendance.models.new_short_code", lambda: next(draws))
    reg = register(event, kanwil, name="Siti Aminah")
    assert reg.short_code == "23456789X"
    assert Registration.objects.get(pk=reg.pk).participant.full_name == "Siti Aminah"
    assert Registration.objects.filter(event=event, short_code=taken).count() == 1


def test_fresh_short_codes_for_a_batch_differ_from_the_table_and_from_each_other(event):
    old = RegistrationFactory(event=event).short_code
    other_event = RegistrationFactory(short_code="K7M4QX9RP" if old != "K7M4QX9RP" else "K7M4QX9RA")
    batch = [Registration(event=event, participant=ParticipantFactory(), short_code=code)
             for code in (old, "AAAAAAAAA", "AAAAAAAAA", other_event.short_code)]
    Registration.give_fresh_short_codes(batch)
    codes = [r.short_code for r in batch]
    assert codes[0] != old and codes[2] != "AAAAAAAAA"
    assert codes[1] == "AAAAAAAAA" and codes[3] == other_event.short_code  # another event's code is free here
    assert len(set(codes)) == 4
