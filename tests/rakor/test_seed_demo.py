import datetime as dt
import io
import re
import zoneinfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from attendance.identity import validate_nip
from attendance.models import CheckIn, Participant, Registration, RegistrationDay, UnitQuota
from attendance.selectors import quota_usage
from rakor.models import Event, StaffProfile, Unit
from agenda.models import Session
from attendance.models import OnlineAttendance
from rakor.roles import COORDINATOR, NOTULIS, ORGANISER, SCANNER, is_organiser

pytestmark = pytest.mark.django_db


def seed(n=40):
    out = io.StringIO()
    call_command("seed_demo", participants=n, stdout=out)
    return out.getvalue()


def counts():
    return {
        "units": Unit.objects.count(),
        "events": Event.objects.count(),
        "participants": Participant.objects.count(),
        "registrations": Registration.objects.count(),
        "days": RegistrationDay.objects.count(),
        "quotas": UnitQuota.objects.count(),
        "users": get_user_model().objects.count(),
        "checkins": CheckIn.objects.count(),
        "online_attendance": OnlineAttendance.objects.count(),
    }


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The command hashes six demo passwords; the production hasher would make this test slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_seed_twice_creates_nothing_new_and_prints_the_same():
    # One seeded database for every check: each seed takes about a second.
    seeded = seed()
    first = counts()
    again = seed()
    assert counts() == first
    assert again == seeded
    assert first["events"] == 2
    assert Registration.objects.filter(event__slug="rakorwas-2022").count() == 40
    assert Registration.objects.filter(event__slug="rakorwas-demo").count() == 40
    check_unit_tree()
    check_events()
    check_participants()
    check_quotas_and_capacity()
    check_modes()
    check_users_and_output(seeded)
    check_attendance()
    check_final_minutes_hold_the_attendance()


def check_final_minutes_hold_the_attendance():
    """The demo's final minutes froze the attendance the demo recorded, as of their finalisation."""
    from minutes.selectors import attendance_block, attendance_changes, attendance_for
    from minutes.models import Minutes

    final = list(Minutes.objects.filter(status=Minutes.Status.FINAL).select_related("session"))
    assert final
    for minutes in final:
        shown, live = attendance_for(minutes), attendance_block(minutes.session)
        assert [a.name for a in shown.in_person] == [a.name for a in live.in_person]
        assert [a.name for a in shown.online] == [a.name for a in live.online]
        assert minutes.attendance_snapshot_at == minutes.finalised_at
        changes = attendance_changes(minutes)
        assert changes is None or not changes
    archive_final = [m for m in final if m.session.event.slug == "rakorwas-2022"]
    assert sum(attendance_for(m).total for m in archive_final) > 0


def test_a_rerun_keeps_edits_and_a_larger_run_adds_people():
    seed()
    before = set(Participant.objects.values_list("id_number", flat=True))
    Unit.objects.filter(code="kanwil-aceh").update(short_name="Kanwil Aceh (diubah)")
    Event.objects.filter(slug="rakorwas-demo").update(start_date=dt.date(2030, 1, 6), end_date=dt.date(2030, 1, 8))
    user = get_user_model().objects.get(username="petugas")
    user.set_password("sandi-baru-petugas")
    user.save()

    seed(60)

    after = set(Participant.objects.values_list("id_number", flat=True))
    assert before < after
    assert Registration.objects.filter(event__slug="rakorwas-demo").count() == 60
    assert Registration.objects.filter(event__slug="rakorwas-2022").count() == 60
    assert Unit.objects.get(code="kanwil-aceh").short_name == "Kanwil Aceh (diubah)"
    demo = Event.objects.get(slug="rakorwas-demo")
    assert (demo.start_date, demo.end_date) == (dt.date(2030, 1, 6), dt.date(2030, 1, 8))
    user.refresh_from_db()
    assert user.check_password("sandi-baru-petugas")
    check_quotas_and_capacity()


def check_unit_tree():
    provincial = Unit.objects.filter(kind=Unit.Kind.PROVINCIAL)
    assert provincial.count() == 34
    assert provincial.filter(parent__isnull=True).count() == 34
    assert Unit.objects.filter(kind=Unit.Kind.TRAINING, parent__code="bmbpsdm").count() == 14
    assert Unit.objects.filter(kind=Unit.Kind.RESEARCH, parent__code="bmbpsdm").count() == 3
    echelon = set(Unit.objects.filter(kind=Unit.Kind.ECHELON_I).values_list("name", flat=True))
    assert {
        "Sekretariat Jenderal", "Inspektorat Jenderal", "Direktorat Jenderal Pendidikan Islam",
        "Direktorat Jenderal Bimbingan Masyarakat Islam", "Direktorat Jenderal Penyelenggaraan Haji dan Umrah",
        "Direktorat Jenderal Bimbingan Masyarakat Kristen", "Direktorat Jenderal Bimbingan Masyarakat Katolik",
        "Direktorat Jenderal Bimbingan Masyarakat Hindu", "Direktorat Jenderal Bimbingan Masyarakat Buddha",
        "Badan Moderasi Beragama dan Pengembangan Sumber Daya Manusia", "Badan Penyelenggara Jaminan Produk Halal",
    } <= echelon
    jabar = Unit.objects.get(code="kanwil-jawa-barat")
    assert jabar.name == "Kantor Wilayah Kementerian Agama Provinsi Jawa Barat"
    bogor = Unit.objects.get(name="Kantor Kementerian Agama Kabupaten Bogor")
    assert (bogor.kind, bogor.parent, bogor.province) == (Unit.Kind.DISTRICT, jabar, "Jawa Barat")
    assert bogor.is_within(jabar)
    assert Unit.objects.filter(kind=Unit.Kind.DISTRICT, parent__code="kanwil-dki-jakarta").count() == 6
    assert Unit.objects.get(code="itjen-irwil-2").parent.code == "itjen"


def check_events():
    archive = Event.objects.get(slug="rakorwas-2022")
    assert (archive.start_date, archive.end_date) == (dt.date(2022, 11, 21), dt.date(2022, 11, 23))
    assert archive.name == "Rapat Koordinasi Pengawasan (Rakorwas) 2022"
    assert archive.theme == "Transformasi Inspektorat Jenderal Menjadi Organisasi yang Adaptif dan Agile"
    assert archive.organiser_unit.code == "itjen"
    assert archive.time_zone == "Asia/Jakarta"
    assert archive.wa_service.startswith("+628") and archive.wa_complaints.startswith("+628")
    assert not archive.registration_is_open()
    demo = Event.objects.get(slug="rakorwas-demo")
    today = timezone.now().astimezone(zoneinfo.ZoneInfo("Asia/Jakarta")).date()
    assert demo.start_date == today
    assert demo.end_date == today + dt.timedelta(days=2)
    assert demo.registration_is_open()


def check_participants():
    participants = list(Participant.objects.select_related("unit"))
    for p in participants:
        assert validate_nip(p.id_number) == p.id_number
        assert p.gender == {"1": "L", "2": "P"}[p.id_number[14]]
        assert p.email.endswith("@kemenag.go.id")
        assert re.fullmatch(r"\+628\d{9,11}", p.whatsapp)
        assert p.rank and p.position
    assert len({p.id_number for p in participants}) == len(participants)
    # Everyone in both events is one participant: no NIP twice.
    shared = Participant.objects.filter(registrations__event__slug="rakorwas-2022").filter(
        registrations__event__slug="rakorwas-demo").count()
    assert shared > 30


def check_quotas_and_capacity():
    for event in Event.objects.all():
        uses = quota_usage(event)
        assert uses
        for use in uses:
            assert use.max_used <= use.seats, use.unit.name
        for day in event.days:
            in_person = RegistrationDay.objects.filter(
                registration__event=event, registration__status__in=Registration.ACTIVE_STATUSES,
                date=day, mode=RegistrationDay.Mode.IN_PERSON,
            ).count()
            assert 0 < in_person <= event.in_person_capacity
    quotas = {q.unit.code: q.in_person_seats for q in UnitQuota.objects.filter(event__slug="rakorwas-demo")
              .select_related("unit")}
    assert quotas["kanwil-jawa-barat"] == 2 and quotas["setjen"] == 4 and quotas["bdk-medan"] == 1
    assert quotas["itjen"] > 4


def check_modes():
    demo = Event.objects.get(slug="rakorwas-demo")
    for registration in Registration.objects.filter(event=demo).select_related("participant__unit"):
        modes = [d.mode for d in registration.days.all()]
        assert len(modes) == 3
        if registration.participant.unit.kind == Unit.Kind.DISTRICT:
            assert set(modes) == {RegistrationDay.Mode.ONLINE}
        if registration.participant.position.startswith("Kepala Kantor Wilayah"):
            assert modes[0] == RegistrationDay.Mode.IN_PERSON
    statuses = set(Registration.objects.filter(event=demo).values_list("status", flat=True))
    assert {Registration.Status.APPROVED, Registration.Status.REJECTED, Registration.Status.CANCELLED} <= statuses
    rejected = Registration.objects.filter(event=demo, status=Registration.Status.REJECTED)
    assert all(r.status_reason for r in rejected)
    roles = set(Registration.objects.filter(event=demo).values_list("role", flat=True))
    assert {Registration.Role.SPEAKER, Registration.Role.COMMITTEE} <= roles
    assert set(Registration.objects.filter(event__slug="rakorwas-2022").values_list("status", flat=True)) == {
        Registration.Status.APPROVED}


def check_users_and_output(seeded):
    User = get_user_model()
    panitia = User.objects.get(username="panitia")
    assert panitia.is_staff and is_organiser(panitia)
    assert panitia.check_password("rakor-panitia-2022")
    assert panitia.has_perm("attendance.change_registration") and panitia.has_perm("auth.view_user")
    assert User.objects.get(username="admin").is_superuser
    assert StaffProfile.objects.get(user__username="koordinator.jabar").unit.code == "kanwil-jawa-barat"
    assert StaffProfile.objects.get(user__username="koordinator.dki").unit.code == "kanwil-dki-jakarta"
    for username, group in (("koordinator.jabar", COORDINATOR), ("petugas", SCANNER), ("notulis", NOTULIS),
                            ("panitia", ORGANISER)):
        assert list(User.objects.get(username=username).groups.values_list("name", flat=True)) == [group]
    assert "koordinator.jabar / rakor-jabar-2022 / koordinator unit / " \
           "Kantor Wilayah Kementerian Agama Provinsi Jawa Barat" in seeded
    assert "panitia / rakor-panitia-2022 / panitia (organiser)" in seeded
    assert "http://127.0.0.1:8000/e/rakorwas-demo/" in seeded
    assert "http://127.0.0.1:8000/admin/" in seeded
    links = re.findall(r"http://127\.0\.0\.1:8000(/t/[^/\s]+/)", seeded)
    assert len(links) == 12
    portal_paths = {r.portal_path for r in Registration.objects.all()}
    assert set(links) <= portal_paths


def check_attendance():
    """The archive has attendance as it happened; the demo has arrivals today."""
    from attendance.selectors import attendance_summary

    archive = Event.objects.get(slug="rakorwas-2022")
    ok = CheckIn.objects.filter(event=archive, result=CheckIn.Result.OK, kind=CheckIn.Kind.ENTRY)
    door = ok.filter(session__isnull=True)
    online = ok.filter(method=CheckIn.Method.ONLINE)
    summary = attendance_summary(archive)
    for day in summary["per_day"]:
        # Most in-person guests came each day; most online participants joined.
        assert 0.75 * day["expected_in_person"] <= day["present_in_person"] <= day["expected_in_person"]
        assert day["present_in_person"] > 0
        assert 0.6 * day["expected_online"] <= day["joined_online"] <= day["expected_online"]
    # ...and over the event some did not (6% a day: one day of 27 guests may well have no absence).
    days = summary["per_day"]
    assert sum(d["present_in_person"] for d in days) < sum(d["expected_in_person"] for d in days)
    # Only in-person days have door entries; only online days have online joins; all inside the event.
    for c in door.select_related("registration"):
        assert c.registration.days.get(date=c.day).mode == RegistrationDay.Mode.IN_PERSON
        assert c.day in archive.days
    for c in online.select_related("session"):
        assert c.registration.days.get(date=c.day).mode == RegistrationDay.Mode.ONLINE
        assert c.session.day == c.day and c.session.mode != Session.Mode.IN_PERSON
    # Every online join has its minutes, within the session's length.
    minutes = {(a.registration_id, a.session_id): a for a in OnlineAttendance.objects.filter(session__event=archive)
               .select_related("session")}
    assert len(minutes) == online.count() > 0
    for a in minutes.values():
        length = (a.session.end - a.session.start).total_seconds() / 60
        assert 1 <= a.heartbeat_minutes <= length and a.first_joined_at < a.last_heartbeat_at
    # Session check-ins in the room for the in-person guests.
    assert ok.filter(session__isnull=False, method=CheckIn.Method.CAMERA).exists()
    demo = Event.objects.get(slug="rakorwas-demo")
    today = timezone.localtime(timezone.now(), demo.tz).date()
    arrived = CheckIn.objects.filter(event=demo, day=today, result=CheckIn.Result.OK, session__isnull=True)
    expected = RegistrationDay.objects.filter(registration__event=demo, date=today, mode=RegistrationDay.Mode.IN_PERSON,
                                              registration__status=Registration.Status.APPROVED).count()
    assert 0 < arrived.count() < expected
    assert all(c.scanned_at <= timezone.now() for c in arrived)


def test_negative_count_is_refused():
    with pytest.raises(CommandError, match="tidak boleh negatif"):
        call_command("seed_demo", participants=-1, stdout=io.StringIO())


def test_coordinators_find_a_free_in_person_seat_in_the_demo():
    seed(200)
    demo = Event.objects.get(slug="rakorwas-demo")
    uses = {u.unit.code: u for u in quota_usage(demo)}
    assert uses["kanwil-jawa-barat"].used_per_day[demo.start_date] == 1
    assert uses["kanwil-dki-jakarta"].used_per_day[demo.start_date] == 1
    assert uses["kanwil-aceh"].used_per_day[demo.start_date] == 2
