"""Eligibility and JP from the attendance record (certificates/eligibility.py)."""

import pytest

from attendance.models import Registration
from certificates import services
from certificates.eligibility import event_eligibility, registration_eligibility
from certificates.models import CertificateTemplate
from agenda.models import Session

from .factories_certificates import (attended_everything, door_entry, make_session, online, past_event,
                                     registration, templates)

pytestmark = pytest.mark.django_db


@pytest.fixture
def event_sessions():
    event, sessions = past_event()
    templates(event)
    return event, {s.title: s for s in sessions}


def test_door_entry_counts_every_in_person_and_hybrid_session_of_that_day(event_sessions):
    event, s = event_sessions
    reg = registration(event)
    door_entry(reg, 0, "08:30")
    e = registration_eligibility(reg)
    # Day 1: Pembukaan 60 + Pleno I 90 + Kunjungan lapangan 90 (the break does not count); day 2 absent.
    assert (e.sessions_attended, e.sessions_expected) == (3, 5)
    assert (e.minutes_attended, e.minutes_expected) == (240, 420)
    assert e.jp == 5  # 240 // 45
    assert e.eligible is False
    assert e.reason == "Belum memenuhi syarat: hadir 3 dari 5 sesi (60%); minimal 80%."


def test_everyone_who_attended_everything_is_eligible_with_jp_rounded_down(event_sessions):
    event, _s = event_sessions
    reg = registration(event)
    attended_everything(reg)
    e = registration_eligibility(reg)
    assert e.eligible is True
    assert e.code == "eligible"
    assert e.minutes_attended == 420
    assert e.jp == 9  # 420 / 45 = 9.3
    assert e.reason == "Memenuhi syarat: hadir 5 dari 5 sesi (100%); minimal 80%."


def test_late_entry_counts_from_the_entry_time(event_sessions):
    event, s = event_sessions
    reg = registration(event)
    door_entry(reg, 0, "09:40")  # 20 of the opening's 60 minutes
    e = registration_eligibility(reg)
    assert e.per_session[s["Pembukaan"].pk] == 20
    assert e.per_session[s["Pleno I"].pk] == 90
    # 20 minutes is below half of the session: it does not count as attended.
    assert e.sessions_attended == 2


def test_session_door_checkin_counts_only_that_session(event_sessions):
    event, s = event_sessions
    reg = registration(event)
    door_entry(reg, 1, "08:55", session=s["Pleno II"])
    e = registration_eligibility(reg)
    assert e.per_session == {s["Pembukaan"].pk: 0, s["Pleno I"].pk: 0, s["Kunjungan lapangan"].pk: 0,
                             s["Pleno II"].pk: 120, s["Penutupan"].pk: 0}


def test_online_minutes_use_the_larger_of_heartbeats_and_report_capped_at_the_session(event_sessions):
    event, s = event_sessions
    reg = registration(event, modes=["online", "online"])
    online(reg, s["Pembukaan"], heartbeat=40, report=55)
    online(reg, s["Pleno I"], heartbeat=200)
    e = registration_eligibility(reg)
    assert e.per_session[s["Pembukaan"].pk] == 55
    assert e.per_session[s["Pleno I"].pk] == 90
    # Online on both days: the in-person-only field visit is not expected of them.
    assert e.sessions_expected == 4
    assert e.minutes_expected == 330


def test_in_person_and_online_in_the_same_session_are_not_added(event_sessions):
    event, s = event_sessions
    reg = registration(event)
    door_entry(reg, 0, "08:00")
    online(reg, s["Pembukaan"], heartbeat=60)
    assert registration_eligibility(reg).per_session[s["Pembukaan"].pk] == 60


def test_parallel_sessions_count_once():
    event, _ = past_event()
    make_session(event, "Kelompok A", day_index=1, start="13:00", minutes=120, kind=Session.Kind.BREAKOUT)
    make_session(event, "Kelompok B", day_index=1, start="13:00", minutes=120, kind=Session.Kind.BREAKOUT)
    templates(event)
    reg = registration(event)
    attended_everything(reg)
    e = registration_eligibility(reg)
    assert (e.sessions_attended, e.sessions_expected) == (6, 6)
    assert e.minutes_attended == 420 + 120


def test_ceremonies_count_only_when_the_template_says_so():
    event, _ = past_event()
    make_session(event, "Registrasi", day_index=0, start="07:00", minutes=60, kind=Session.Kind.CEREMONY,
                 mode=Session.Mode.IN_PERSON)
    templates(event)
    reg = registration(event)
    door_entry(reg, 0, "06:50")
    assert registration_eligibility(reg).minutes_attended == 240
    CertificateTemplate.objects.filter(event=event).update(count_ceremonies=True)
    assert registration_eligibility(reg).minutes_attended == 300


def test_minutes_basis_and_jp_cap(event_sessions):
    event, s = event_sessions
    CertificateTemplate.objects.filter(event=event).update(basis="minutes", min_share_percent=45, jp_cap=4,
                                                           minutes_per_jp=60)
    reg = registration(event)
    door_entry(reg, 0, "08:00")
    e = registration_eligibility(reg)
    assert e.share_percent == 57  # 240 of 420 minutes
    assert e.eligible is True
    assert e.jp == 4  # 240 // 60 = 4, the cap is 4
    CertificateTemplate.objects.filter(event=event).update(jp_cap=3)
    assert registration_eligibility(reg).jp == 3
    assert registration_eligibility(reg).reason == "Memenuhi syarat: hadir 240 dari 420 menit (57%); minimal 45%."


def test_roles_have_their_own_rules(event_sessions):
    event, _s = event_sessions
    speaker = registration(event, role=Registration.Role.SPEAKER)
    participant = registration(event)
    results = event_eligibility(event)
    # Default rules: speakers need no minimum share, participants 80 %.
    assert results[speaker.pk].eligible is True
    assert results[participant.pk].eligible is False
    assert results[participant.pk].reason == "Belum memenuhi syarat: hadir 0 dari 5 sesi (0%); minimal 80%."


def test_registration_not_approved_revoked_or_without_template(event_sessions):
    event, _s = event_sessions
    pending = registration(event, status=Registration.Status.CANCELLED)
    attended_everything(pending)
    assert registration_eligibility(pending).reason == "Pendaftaran tidak disetujui (Dibatalkan)."
    CertificateTemplate.objects.filter(event=event, role="moderator").delete()
    moderator = registration(event, role=Registration.Role.MODERATOR)
    assert registration_eligibility(moderator).reason == "Belum ada templat sertifikat untuk peran Moderator."


def test_exception_makes_eligible_and_says_why(event_sessions):
    event, _s = event_sessions
    reg = registration(event)
    door_entry(reg, 0)
    services.exception_grant(registration=reg, reason="Bertugas mendampingi Menteri pada hari kedua.", by=None)
    e = registration_eligibility(reg)
    assert e.eligible is True
    assert e.code == "exception"
    assert e.jp == 5  # JP still comes from attendance
    assert e.reason == ("Pengecualian panitia (hadir 3 dari 5 sesi (60%); minimal 80%): "
                        "Bertugas mendampingi Menteri pada hari kedua.")


def test_exception_needs_a_reason(event_sessions):
    event, _s = event_sessions
    reg = registration(event)
    with pytest.raises(services.CertificateError) as exc:
        services.exception_grant(registration=reg, reason="   ", by=None)
    assert exc.value.message == "Alasan pengecualian wajib diisi."


@pytest.mark.parametrize("n", [1, 3])
def test_event_eligibility_queries_do_not_grow(event_sessions, n, django_assert_num_queries):
    event, _s = event_sessions
    for _ in range(n):
        attended_everything(registration(event))
    # registrations, templates, sessions, days, check-ins, online minutes, exceptions
    with django_assert_num_queries(7):
        results = event_eligibility(event)
    assert len(results) == n
