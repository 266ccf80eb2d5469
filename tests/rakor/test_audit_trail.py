"""The audit trail: organiser changes to registrations and in the back office are recorded with before and after."""

import datetime as dt

import pytest
from django.urls import reverse

from attendance import services
from attendance.models import DataRequest, Participant, Registration, RegistrationDay, UnitQuota
from attendance.services import ParticipantData
from rakor.models import AuditEntry, Unit
from tests.factories import (
    EventFactory, RegistrationFactory, UnitFactory, UnitQuotaFactory, coordinator, organiser, valid_nip,
)

pytestmark = pytest.mark.django_db

IN, ON = RegistrationDay.Mode.IN_PERSON, RegistrationDay.Mode.ONLINE
D1, D2 = dt.date(2022, 11, 21), dt.date(2022, 11, 22)


@pytest.fixture
def event():
    return EventFactory(slug="rakorwas-uji", start_date=D1, end_date=D2, requires_approval=True)


@pytest.fixture
def kanwil():
    return UnitFactory(name="Kanwil Kemenag Provinsi Jawa Barat")


def data(unit, name="Ahmad Fauzi", **kwargs):
    kwargs.setdefault("whatsapp", "081234567890")
    kwargs.setdefault("id_number", valid_nip())
    return ParticipantData(full_name=name, unit=unit, **kwargs)


def entries(**filters):
    return list(AuditEntry.objects.filter(**filters).order_by("id"))


def test_registration_by_an_organiser_is_recorded_with_what_was_registered(event, kanwil):
    user = organiser(first_name="Siti", last_name="Panitia")

    reg = services.registration_create(event=event, data=data(kanwil), days={D1: IN, D2: ON},
                                       channel=Registration.Channel.ORGANISER, by=user)

    [entry] = entries(model="attendance.registration")
    assert (entry.actor, entry.actor_label, entry.action, entry.object_id, entry.event) == (
        user, "Siti Panitia", "create", str(reg.pk), event)
    assert entry.before is None
    assert {k: entry.after[k] for k in ("status", "role", "participant.full_name", "day.2022-11-21",
                                        "day.2022-11-22")} == {
        "status": "pending", "role": "participant", "participant.full_name": "Ahmad Fauzi",
        "day.2022-11-21": "in_person", "day.2022-11-22": "online"}
    assert "portal_secret" not in entry.after and reg.portal_secret not in str(entry.after)


def test_self_registration_is_not_an_organiser_change(event, kanwil):
    services.registration_create(event=event, data=data(kanwil), days={D1: ON}, channel=Registration.Channel.SELF)
    assert entries() == []


def test_an_edit_records_before_and_after_of_what_changed(event, kanwil):
    user = organiser()
    reg = services.registration_create(event=event, data=data(kanwil), days={D1: IN, D2: ON},
                                       channel=Registration.Channel.ORGANISER, by=user)

    services.registration_update(registration=reg, data=data(kanwil, name="Ahmad Fauzi, S.Ag.",
                                                              id_number=reg.participant.id_number),
                                 days={D1: ON, D2: ON}, role=Registration.Role.SPEAKER, by=user)

    entry = entries(action="update")[0]
    assert sorted(entry.changes) == sorted([
        ("role", "participant", "speaker"),
        ("participant.full_name", "Ahmad Fauzi", "Ahmad Fauzi, S.Ag."),
        ("day.2022-11-21", "in_person", "online"),
    ])


def test_status_changes_record_who_why_and_the_status(event, kanwil):
    user = organiser()
    regs = [RegistrationFactory(event=event, status=Registration.Status.PENDING) for _ in range(2)]

    services.registration_set_status(registrations=regs, status=Registration.Status.APPROVED, by=user)
    services.registration_set_status(registrations=regs[:1], status=Registration.Status.REJECTED,
                                     reason="Bukan pejabat yang diundang.", by=user)

    got = [(e.object_id, e.action, e.before["status"], e.after["status"], e.reason, e.actor)
           for e in entries(model="attendance.registration")]
    assert got == [
        (str(regs[0].pk), "status:approved", "pending", "approved", "", user),
        (str(regs[1].pk), "status:approved", "pending", "approved", "", user),
        (str(regs[0].pk), "status:rejected", "approved", "rejected", "Bukan pejabat yang diundang.", user),
    ]


def test_unchanged_status_writes_no_entry(event):
    reg = RegistrationFactory(event=event, status=Registration.Status.APPROVED)
    services.registration_set_status(registrations=[reg], status=Registration.Status.APPROVED, by=organiser())
    assert entries() == []


def test_a_new_portal_link_is_recorded_without_the_secret(event):
    reg = RegistrationFactory(event=event)
    services.registration_reissue_secret(registration=reg, by=organiser())
    [entry] = entries()
    assert (entry.action, entry.before, entry.after) == ("reissue_portal_link", None, None)


def test_anonymising_erases_the_person_from_the_trail_too(event, kanwil):
    user = organiser()
    reg = services.registration_create(event=event, data=data(kanwil, email="ahmad@kemenag.go.id",
                                                              position="Kepala Seksi Pendidikan Madrasah"),
                                       days={D1: IN, D2: ON}, channel=Registration.Channel.ORGANISER, by=user)
    nip = reg.participant.id_number

    services.participant_erase(participant=reg.participant, by=user, note="Permintaan peserta.")

    trail = str([(e.object_repr, e.before, e.after) for e in AuditEntry.objects.all()])
    for personal in ("Ahmad Fauzi", nip, "ahmad@kemenag.go.id", "+6281234567890", "Kepala Seksi Pendidikan"):
        assert personal not in trail
    actions = [(e.model, e.action) for e in entries()]
    # The erasure's own entry comes last: it counts what was erased.
    assert actions == [("attendance.registration", "create"), ("attendance.registration", "status:cancelled"),
                       ("attendance.participant", "anonymise")]
    create = entries(action="create")[0]
    assert (create.after["participant.full_name"], create.after["status"]) == ("(dihapus)", "pending")
    assert entries(action="anonymise")[0].reason == "Permintaan peserta."


# ---------------------------------------------------------------- back office


def test_admin_quota_changes_are_recorded(client, event, kanwil):
    user = organiser()
    client.force_login(user)
    quota = UnitQuotaFactory(event=event, unit=kanwil, in_person_seats=2)

    response = client.post(reverse("admin:attendance_unitquota_change", args=[quota.pk]),
                           {"event": event.pk, "unit": kanwil.pk, "in_person_seats": 5})

    assert response.status_code == 302
    [entry] = entries(model="attendance.unitquota")
    assert (entry.action, entry.changes, entry.event, entry.actor) == (
        "update", [("in_person_seats", 2, 5)], event, user)


def test_admin_unit_and_child_units_are_recorded(client):
    client.force_login(organiser())
    jabar = UnitFactory(name="Kanwil Jabar", code="kanwil-jabar", province="Jawa Barat")
    url = reverse("admin:rakor_unit_change", args=[jabar.pk])
    form = {"name": "Kanwil Kemenag Provinsi Jawa Barat", "short_name": "", "code": "kanwil-jabar",
            "kind": "provincial", "parent": "", "province": "Jawa Barat", "sort_order": 0,
            "children-TOTAL_FORMS": 1, "children-INITIAL_FORMS": 0, "children-MIN_NUM_FORMS": 0,
            "children-MAX_NUM_FORMS": 1000, "children-0-name": "Kankemenag Garut", "children-0-short_name": "",
            "children-0-code": "garut", "children-0-kind": "district", "children-0-province": "",
            "children-0-sort_order": 0}

    response = client.post(url, form)

    assert response.status_code == 302, response.content.decode()[:2000]
    got = [(e.action, e.object_repr, e.changes[:1]) for e in entries(model="rakor.unit")]
    assert got[0] == ("update", "Kanwil Kemenag Provinsi Jawa Barat", [("name", "Kanwil Jabar",
                                                                        "Kanwil Kemenag Provinsi Jawa Barat")])
    assert (got[1][0], got[1][1]) == ("create", "Kankemenag Garut")


def test_admin_refusing_a_data_request_is_recorded(client, event):
    user = organiser()
    client.force_login(user)
    reg = RegistrationFactory(event=event)
    request = DataRequest.objects.create(participant=reg.participant, registration=reg, note="Data masih diperlukan.")

    client.post(reverse("admin:attendance_datarequest_changelist"),
                {"action": "refuse_selected", "_selected_action": [request.pk]})

    [entry] = entries(model="attendance.datarequest")
    assert (entry.action, entry.changes[0], entry.reason) == ("refuse", ("status", "open", "refused"),
                                                              "Data masih diperlukan.")


def test_audit_entries_are_read_only_in_the_admin(client, event):
    client.force_login(organiser())
    services.registration_reissue_secret(registration=RegistrationFactory(event=event), by=organiser())
    entry = AuditEntry.objects.get()

    page = client.get(reverse("admin:rakor_auditentry_change", args=[entry.pk])).content.decode()
    assert client.get(reverse("admin:rakor_auditentry_changelist")).status_code == 200
    assert 'name="_save"' not in page
    assert client.get(reverse("admin:rakor_auditentry_add")).status_code == 403
    assert client.post(reverse("admin:rakor_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.count() == 1


# ---------------------------------------------------------------- the database keeps the trail (PostgreSQL)


@pytest.fixture
def postgres_only():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")


@pytest.mark.parametrize("sql", [
    "UPDATE rakor_auditentry SET action = 'create' WHERE id = %s",
    "UPDATE rakor_auditentry SET after = '{\"status\": \"approved\"}' WHERE id = %s",
    "UPDATE rakor_auditentry SET at = now() WHERE id = %s",
    "UPDATE rakor_auditentry SET actor_label = 'orang lain' WHERE id = %s",
    "UPDATE rakor_auditentry SET reason = 'Alasan lain.' WHERE id = %s",
    "DELETE FROM rakor_auditentry WHERE id = %s",
])
def test_database_refuses_to_rewrite_or_drop_entries(postgres_only, event, sql):
    from django.db import DatabaseError, connection, transaction

    reg = RegistrationFactory(event=event, status=Registration.Status.PENDING)
    services.registration_set_status(registrations=[reg], status=Registration.Status.REJECTED, reason="Tidak diundang.",
                                     by=organiser())
    entry = AuditEntry.objects.get()

    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])

    assert AuditEntry.objects.get().after["status"] == "rejected"


def test_an_erasure_may_rewrite_a_reason_that_names_the_person(postgres_only, event):
    """Only under the erasure's announcement (SET LOCAL rakor.audit_redaction), and only then."""
    person = RegistrationFactory(event=event, participant__full_name="Dr. Yohanes Pattikawa, M.Th.")
    other = RegistrationFactory(event=event, status=Registration.Status.PENDING)
    services.registration_set_status(registrations=[other], status=Registration.Status.REJECTED, by=organiser(),
                                     reason="Kursi sudah dipakai Yohanes Pattikawa.")
    services.participant_erase(participant=person.participant)
    assert AuditEntry.objects.get(action="status:rejected").reason == "Kursi sudah dipakai (dihapus)."


def test_deleting_an_account_keeps_its_entries(event):
    user = organiser(first_name="Siti", last_name="Panitia")
    services.registration_reissue_secret(registration=RegistrationFactory(event=event), by=user)

    user.delete()

    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.actor_label) == (None, "Siti Panitia")


def test_scanner_devices_created_and_revoked_are_recorded_without_the_token(event):
    user = organiser()
    device, token = services.device_create(event=event, name="Meja 1 Ballroom", by=user)
    services.device_revoke(device=device, by=user)

    created, revoked = entries(model="attendance.scannerdevice")
    assert (created.action, created.after["name"], created.event) == ("create", "Meja 1 Ballroom", event)
    assert (revoked.action, revoked.before["revoked_at"], revoked.after["revoked_at"] is not None) == (
        "revoke", None, True)
    trail = str([(e.before, e.after) for e in AuditEntry.objects.all()])
    assert token not in trail and device.token_hash not in trail
