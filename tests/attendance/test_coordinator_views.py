"""Coordinator and organiser pages: a coordinator sees and touches their own subtree only."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, translation

from attendance.models import Participant, Registration, RegistrationDay
from rakor.models import Unit
from tests.factories import (
    EventFactory, ParticipantFactory, RegistrationFactory, UnitFactory, UnitQuotaFactory, UserFactory, coordinator,
    organiser, scanner, valid_nip,
)

pytestmark = pytest.mark.django_db

IN, ON = RegistrationDay.Mode.IN_PERSON, RegistrationDay.Mode.ONLINE


@pytest.fixture
def tree():
    kanwil_a = UnitFactory(name="Kanwil Kemenag Provinsi Jawa Barat", code="kanwil-jabar")
    district_a = UnitFactory(name="Kankemenag Kota Bandung", code="kankemenag-bandung", kind=Unit.Kind.DISTRICT,
                             parent=kanwil_a)
    kanwil_b = UnitFactory(name="Kanwil Kemenag Provinsi Jawa Timur", code="kanwil-jatim")
    return kanwil_a, district_a, kanwil_b


@pytest.fixture
def event():
    return EventFactory(slug="rakorwas-uji", name="Rakorwas Uji", start_date=dt.date(2022, 11, 21),
                        end_date=dt.date(2022, 11, 23), requires_approval=True)


@pytest.fixture
def people(tree, event):
    kanwil_a, district_a, kanwil_b = tree
    return {
        "ahmad": RegistrationFactory(event=event, participant=ParticipantFactory(full_name="Ahmad Fauzi", unit=kanwil_a)),
        "siti": RegistrationFactory(event=event, participant=ParticipantFactory(full_name="Siti Aminah", unit=district_a),
                                    modes=[ON, ON, ON]),
        "budi": RegistrationFactory(event=event, participant=ParticipantFactory(full_name="Budi Santoso", unit=kanwil_b)),
    }


def url(name, event, *args):
    return reverse(f"attendance:{name}", args=[event.slug, *args])


def person_post(unit, **overrides):
    data = {
        "full_name": "Dra. Hj. Nur Aini, M.Pd.", "id_kind": "nip", "id_number": valid_nip("P"),
        "position": "Kepala Subbagian Umum", "rank": "Penata (III/c)", "unit": unit.pk,
        "email": "nur.aini@kemenag.go.id", "whatsapp": "0812 3456 7890",
        "day_0": IN, "day_1": ON, "day_2": ON, "role": "participant",
    }
    data.update(overrides)
    return data


# ---------------------------------------------------------------- sign in and access


def test_login_takes_a_coordinator_to_their_event_list(client, tree, event):
    user = coordinator(tree[0], username="kabagtu.jabar")
    page = client.get(reverse("login"))
    assert "Masuk" in page.content.decode()
    response = client.post(reverse("login"), {"username": "kabagtu.jabar", "password": "rahasia-uji-123"})
    assert response.status_code == 302
    assert response["Location"] == reverse("console:landing")
    landing = client.get(response["Location"])  # one event: straight to their unit's page of it
    assert landing["Location"] == reverse("attendance:unit_list", args=[event.slug])
    home = client.get(reverse("attendance:coordinator_home"))
    assert "Rakorwas Uji" in home.content.decode()
    assert user.is_authenticated


def test_login_takes_a_minute_taker_to_their_minutes(client, tree):
    from tests.minutes.factories_minutes import notulis

    user = notulis(tree[0], username="notulis.itjen")
    user.set_password("rahasia-uji-123")
    user.save()
    response = client.post(reverse("login"), {"username": "notulis.itjen", "password": "rahasia-uji-123"})
    assert client.get(response["Location"])["Location"] == "/notulen/"


def test_wrong_password_is_refused_and_keeps_the_username(client, tree):
    coordinator(tree[0], username="kabagtu.jabar")
    response = client.post(reverse("login"), {"username": "kabagtu.jabar", "password": "salah"})
    assert response.status_code == 200
    assert 'value="kabagtu.jabar"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_and_returns_to_login(client, tree):
    client.force_login(coordinator(tree[0]))
    response = client.post(reverse("logout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert "Anda sudah keluar." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_anonymous_is_sent_to_login(client, event):
    response = client.get(url("unit_list", event))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url('unit_list', event)}"


def test_other_groups_are_refused(client, event, tree):
    client.force_login(scanner(tree[0]))
    assert client.get(url("unit_list", event)).status_code == 403
    client.force_login(UserFactory())
    assert client.get(reverse("attendance:coordinator_home")).status_code == 403


def test_coordinator_home_counts_only_their_subtree(client, tree, event, people):
    client.force_login(coordinator(tree[0]))
    html = client.get(reverse("attendance:coordinator_home")).content.decode()
    # Ahmad (Kanwil A) and Siti (district under A) count; Budi (Kanwil B) does not.
    assert '<td class="num">2</td>' in html
    assert '<td class="num">3</td>' not in html


# ---------------------------------------------------------------- the delegation list


def test_coordinator_sees_their_unit_and_the_units_under_it_only(client, tree, event, people):
    client.force_login(coordinator(tree[0]))
    html = client.get(url("unit_list", event)).content.decode()
    assert "Ahmad Fauzi" in html
    assert "Siti Aminah" in html
    assert "Budi Santoso" not in html
    assert people["budi"].portal_secret not in html
    assert people["ahmad"].portal_url in html  # "Salin tautan portal" for their own people
    assert "Kanwil Kemenag Provinsi Jawa Timur" not in html  # not even in the unit filter


def test_unit_filter_narrows_to_a_district_and_ignores_units_outside(client, tree, event, people):
    kanwil_a, district_a, kanwil_b = tree
    client.force_login(coordinator(kanwil_a))
    html = client.get(url("unit_list", event), {"unit": district_a.pk}).content.decode()
    assert "Siti Aminah" in html and "Ahmad Fauzi" not in html
    html = client.get(url("unit_list", event), {"unit": kanwil_b.pk}).content.decode()
    assert "Budi Santoso" not in html and "Ahmad Fauzi" in html


def test_search_by_name_and_by_nip(client, tree, event, people):
    client.force_login(coordinator(tree[0]))
    html = client.get(url("unit_list", event), {"q": "aminah"}).content.decode()
    assert "Siti Aminah" in html and "Ahmad Fauzi" not in html
    nip = people["ahmad"].participant.id_number
    html = client.get(url("unit_list", event), {"q": f"{nip[:8]} {nip[8:14]}"}).content.decode()
    assert "Ahmad Fauzi" in html and "Siti Aminah" not in html
    html = client.get(url("unit_list", event), {"q": people["budi"].participant.id_number}).content.decode()
    assert "Budi Santoso" not in html


def test_district_coordinator_sees_the_ancestor_quota_that_governs_them(client, tree, event, people):
    kanwil_a, district_a, _b = tree
    UnitQuotaFactory(event=event, unit=kanwil_a, in_person_seats=1)
    client.force_login(coordinator(district_a))
    html = client.get(url("unit_list", event)).content.decode()
    assert "Kanwil Kemenag Provinsi Jawa Barat" in html
    assert "kuota unit induk" in html
    assert "1/1" in html and "penuh" in html  # Ahmad takes Kanwil A's only seat every day
    assert "Ahmad Fauzi" not in html  # the count is shown, the person is not


def test_quota_overview_lists_every_quota_and_marks_full_ones(client, tree, event, people):
    kanwil_a, district_a, kanwil_b = tree
    UnitQuotaFactory(event=event, unit=kanwil_a, in_person_seats=1)
    UnitQuotaFactory(event=event, unit=kanwil_b, in_person_seats=5)
    client.force_login(organiser())
    html = client.get(url("unit_quotas", event)).content.decode()
    assert "Kanwil Kemenag Provinsi Jawa Barat" in html and "Kanwil Kemenag Provinsi Jawa Timur" in html
    assert html.count('<td class="num is-full">1/1') == 3
    assert html.count('<td class="num">1/5') == 3
    assert "1 kuota penuh pada sedikitnya satu hari." in html


# ---------------------------------------------------------------- add


def test_coordinator_adds_a_person_of_a_district_under_them(client, tree, event):
    kanwil_a, district_a, _b = tree
    user = coordinator(kanwil_a)
    client.force_login(user)
    response = client.post(url("unit_add", event), person_post(district_a), follow=True)
    html = response.content.decode()
    assert "Dra. Hj. Nur Aini, M.Pd. terdaftar. Tautan portal dikirim ke nur.aini@kemenag.go.id." in html
    registration = Registration.objects.get(participant__full_name="Dra. Hj. Nur Aini, M.Pd.")
    assert registration.channel == Registration.Channel.COORDINATOR
    assert registration.registered_by == user
    assert registration.participant.unit == district_a
    assert registration.participant.whatsapp == "+6281234567890"
    assert [(d.date, d.mode) for d in registration.days.all()] == [
        (dt.date(2022, 11, 21), IN), (dt.date(2022, 11, 22), ON), (dt.date(2022, 11, 23), ON)]


def test_forged_post_with_another_units_id_is_refused(client, tree, event):
    kanwil_a, _d, kanwil_b = tree
    client.force_login(coordinator(kanwil_a))
    response = client.post(url("unit_add", event), person_post(kanwil_b))
    assert response.status_code == 200
    assert response.context["form"].errors["unit"] == [
        "Masukkan pilihan yang valid. Pilihan tersebut bukan salah satu dari pilihan yang tersedia."]
    assert not Participant.objects.filter(full_name="Dra. Hj. Nur Aini, M.Pd.").exists()
    assert 'value="Dra. Hj. Nur Aini, M.Pd."' in response.content.decode()


def test_quota_exceeded_names_the_unit_and_its_quota_and_keeps_the_input(client, tree, event, people):
    kanwil_a, district_a, _b = tree
    UnitQuotaFactory(event=event, unit=kanwil_a, in_person_seats=1)
    client.force_login(coordinator(kanwil_a))
    response = client.post(url("unit_add", event), person_post(district_a))
    assert response.status_code == 200
    with translation.override("id"):
        day = formats.date_format(dt.date(2022, 11, 21), "l, j F Y")
    expected = (f"Kuota luring Kanwil Kemenag Provinsi Jawa Barat (1 kursi) sudah penuh untuk {day}: 1 kursi sudah "
                "terpakai. Pilih daring untuk hari itu atau hubungi panitia.")
    assert response.context["form"].errors["day_0"] == [expected]
    assert expected in response.content.decode()
    assert 'value="Dra. Hj. Nur Aini, M.Pd."' in response.content.decode()
    assert Registration.objects.filter(event=event).count() == 3


def test_duplicate_nip_shows_the_services_message(client, tree, event, people):
    kanwil_a = tree[0]
    client.force_login(coordinator(kanwil_a))
    ahmad = people["ahmad"].participant
    response = client.post(url("unit_add", event), person_post(kanwil_a, id_number=ahmad.id_number, day_0=ON))
    # The message does not tell a coordinator of another unit whose number it is.
    assert response.context["form"].errors["id_number"] == [
        "Nomor identitas atau e-mail ini sudah terdaftar di acara ini. Buka tautan portal yang sudah dikirim ke "
        "e-mail/WhatsApp pemiliknya, atau hubungi panitia bila tautan hilang."]


# ---------------------------------------------------------------- edit / cancel


def test_coordinator_gets_404_on_another_kanwils_registration(client, tree, event, people):
    client.force_login(coordinator(tree[0]))
    budi = people["budi"]
    assert client.get(url("unit_edit", event, budi.public_id)).status_code == 404
    assert client.post(url("unit_edit", event, budi.public_id), person_post(tree[2])).status_code == 404
    assert client.get(url("unit_cancel", event, budi.public_id)).status_code == 404
    assert client.post(url("unit_cancel", event, budi.public_id), {"reason": "iseng"}).status_code == 404
    budi.refresh_from_db()
    assert budi.status == Registration.Status.APPROVED
    assert budi.participant.full_name == "Budi Santoso"


def test_edit_changes_days_and_role(client, tree, event, people):
    kanwil_a = tree[0]
    client.force_login(coordinator(kanwil_a))
    ahmad = people["ahmad"]
    page = client.get(url("unit_edit", event, ahmad.public_id)).content.decode()
    assert 'value="Ahmad Fauzi"' in page
    data = person_post(kanwil_a, full_name="Dr. Ahmad Fauzi, M.Ag.", id_number=ahmad.participant.id_number,
                       email=ahmad.participant.email, day_0=ON, day_1=IN, day_2=ON, role="speaker")
    response = client.post(url("unit_edit", event, ahmad.public_id), data, follow=True)
    assert "Data Dr. Ahmad Fauzi, M.Ag. disimpan." in response.content.decode()
    ahmad.refresh_from_db()
    assert ahmad.role == Registration.Role.SPEAKER
    assert ahmad.participant.full_name == "Dr. Ahmad Fauzi, M.Ag."
    assert [d.mode for d in ahmad.days.all()] == [ON, IN, ON]


def test_edit_cannot_move_a_person_out_of_the_subtree(client, tree, event, people):
    kanwil_a, _d, kanwil_b = tree
    client.force_login(coordinator(kanwil_a))
    ahmad = people["ahmad"]
    data = person_post(kanwil_b, id_number=ahmad.participant.id_number)
    response = client.post(url("unit_edit", event, ahmad.public_id), data)
    assert "unit" in response.context["form"].errors
    ahmad.participant.refresh_from_db()
    assert ahmad.participant.unit == kanwil_a


def test_cancel_needs_a_reason_and_is_attributed(client, tree, event, people):
    user = coordinator(tree[0])
    client.force_login(user)
    siti = people["siti"]
    response = client.post(url("unit_cancel", event, siti.public_id), {"reason": ""})
    assert response.context["form"].errors["reason"] == [
        "Tuliskan alasan pembatalan; alasan ini tercatat dan terlihat oleh peserta."]
    response = client.post(url("unit_cancel", event, siti.public_id), {"reason": "Tugas dinas ke luar kota"}, follow=True)
    html = response.content.decode()
    assert "Pendaftaran Siti Aminah dibatalkan." in html
    assert "Alasan: Tugas dinas ke luar kota" in html
    siti.refresh_from_db()
    assert (siti.status, siti.status_reason, siti.status_changed_by) == (
        Registration.Status.CANCELLED, "Tugas dinas ke luar kota", user)


# ---------------------------------------------------------------- approvals (organisers only)


def pending(event, unit, name):
    return RegistrationFactory(event=event, participant=ParticipantFactory(full_name=name, unit=unit),
                               status=Registration.Status.PENDING)


def test_coordinator_cannot_approve(client, tree, event):
    r = pending(event, tree[0], "Rina Wati")
    client.force_login(coordinator(tree[0]))
    html = client.get(url("unit_list", event)).content.decode()
    assert 'name="single"' not in html and 'name="ids"' not in html
    response = client.post(url("unit_list", event), {"action": "approve", "ids": [r.public_id]})
    assert response.status_code == 403
    r.refresh_from_db()
    assert r.status == Registration.Status.PENDING


def test_organiser_bulk_approves(client, tree, event):
    a, b = pending(event, tree[0], "Rina Wati"), pending(event, tree[2], "Joko Susilo")
    c = pending(event, tree[2], "Tetap Menunggu")
    user = organiser()
    client.force_login(user)
    response = client.post(url("unit_list", event), {"action": "approve", "ids": [a.public_id, b.public_id]}, follow=True)
    assert "2 pendaftaran disetujui." in response.content.decode()
    statuses = dict(Registration.objects.values_list("participant__full_name", "status"))
    assert statuses == {"Rina Wati": "approved", "Joko Susilo": "approved", "Tetap Menunggu": "pending"}
    a.refresh_from_db()
    assert a.status_changed_by == user
    assert c.status == Registration.Status.PENDING


def test_organiser_reject_needs_a_reason_and_keeps_the_selection(client, tree, event):
    a, b = pending(event, tree[0], "Rina Wati"), pending(event, tree[2], "Joko Susilo")
    client.force_login(organiser())
    response = client.post(url("unit_list", event), {"action": "reject", "ids": [a.public_id], "reason": " "})
    html = response.content.decode()
    assert "Tuliskan alasan penolakan; alasan ini ditampilkan kepada peserta." in html
    assert f'value="{a.public_id}" checked' in html
    assert f'value="{b.public_id}" checked' not in html
    a.refresh_from_db()
    assert a.status == Registration.Status.PENDING

    response = client.post(url("unit_list", event),
                           {"action": "reject", "ids": [a.public_id, b.public_id], "reason": "Bukan sasaran peserta luring"},
                           follow=True)
    assert "2 pendaftaran ditolak." in response.content.decode()
    a.refresh_from_db()
    assert (a.status, a.status_reason) == (Registration.Status.REJECTED, "Bukan sasaran peserta luring")


def test_organiser_approves_one_row_with_its_own_button(client, tree, event):
    a, b = pending(event, tree[0], "Rina Wati"), pending(event, tree[2], "Joko Susilo")
    client.force_login(organiser())
    response = client.post(url("unit_list", event), {"single": f"approve:{b.public_id}", "ids": [a.public_id]}, follow=True)
    assert "1 pendaftaran disetujui." in response.content.decode()
    a.refresh_from_db(), b.refresh_from_db()
    assert (a.status, b.status) == (Registration.Status.PENDING, Registration.Status.APPROVED)


def test_organiser_approval_past_the_quota_is_refused_with_the_quota_message(client, tree, event, people):
    kanwil_a = tree[0]
    UnitQuotaFactory(event=event, unit=kanwil_a, in_person_seats=1)
    cancelled = RegistrationFactory(event=event, participant=ParticipantFactory(full_name="Rina Wati", unit=kanwil_a),
                                    status=Registration.Status.CANCELLED)
    client.force_login(organiser())
    response = client.post(url("unit_list", event), {"action": "approve", "ids": [cancelled.public_id]})
    assert "Kuota luring Kanwil Kemenag Provinsi Jawa Barat (1 kursi) sudah penuh" in response.content.decode()
    cancelled.refresh_from_db()
    assert cancelled.status == Registration.Status.CANCELLED


# ---------------------------------------------------------------- no N+1


def _register(event, parent, n):
    for i in range(n):
        unit = UnitFactory(parent=parent, kind=Unit.Kind.DISTRICT)
        RegistrationFactory(event=event, participant=ParticipantFactory(unit=unit), modes=[IN, ON, IN])


@pytest.mark.parametrize("who", ["coordinator", "organiser"])
@pytest.mark.parametrize("page", ["unit_list", "unit_quotas", "coordinator_home"])
def test_list_pages_do_not_query_per_row(client, tree, event, who, page, django_assert_num_queries):
    kanwil_a = tree[0]
    UnitQuotaFactory(event=event, unit=kanwil_a, in_person_seats=10)
    client.force_login(coordinator(kanwil_a) if who == "coordinator" else organiser())
    target = reverse("attendance:coordinator_home") if page == "coordinator_home" else url(page, event)
    _register(event, kanwil_a, 1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(target).status_code == 200
    _register(event, kanwil_a, 2)
    EventFactory()  # another event on the home page must not add a query either
    with django_assert_num_queries(len(one)):
        response = client.get(target)
    if page == "unit_list":
        assert len(response.context["rows"]) == 3


def test_quota_overview_queries_do_not_grow_with_the_number_of_quotas(client, event, django_assert_num_queries):
    client.force_login(organiser())

    def add_quota_with_people():
        unit = UnitFactory()
        UnitQuotaFactory(event=event, unit=unit, in_person_seats=3)
        RegistrationFactory(event=event, participant=ParticipantFactory(unit=UnitFactory(parent=unit)))

    add_quota_with_people()
    with CaptureQueriesContext(connection) as one:
        client.get(url("unit_quotas", event))
    add_quota_with_people(), add_quota_with_people()
    with django_assert_num_queries(len(one)):
        assert len(client.get(url("unit_quotas", event)).context["rows"]) == 3


def test_overview_figures_equal_the_services_quota_rules(tree, event):
    """The two-query overview must count exactly like the seat book (attendance/quotas.py) that the
    services use, and both like the rule said in words: a quota's subtree minus nested quotas' subtrees."""
    from django.db.models import Count, Q

    from attendance import selectors
    from attendance.models import Registration, RegistrationDay, UnitQuota
    from attendance.quotas import SeatBook

    def quota_scope(quota):
        scope = Q(participant__unit__path__startswith=quota.unit.path)
        nested = UnitQuota.objects.filter(event=event, unit__path__startswith=quota.unit.path).exclude(pk=quota.pk)
        for path in nested.values_list("unit__path", flat=True):
            scope &= ~Q(participant__unit__path__startswith=path)
        return scope

    def quotas():
        return UnitQuota.objects.filter(event=event).select_related("unit").order_by("unit__sort_order", "unit__name")

    def by_the_rule_in_words():
        result = []
        for quota in quotas():
            counts = dict(Registration.objects.filter(
                quota_scope(quota), event=event, status__in=Registration.ACTIVE_STATUSES,
                days__mode=RegistrationDay.Mode.IN_PERSON).values_list("days__date").annotate(n=Count("pk", distinct=True)))
            result.append((quota.unit.name, quota.in_person_seats, {d: counts.get(d, 0) for d in event.days}))
        return result

    def by_the_seat_book():
        book = SeatBook(event)
        return [(q.unit.name, q.in_person_seats, {d: book.used[(q.pk, d)] for d in event.days}) for q in quotas()]

    kanwil_a, district_a, kanwil_b = tree
    kua = UnitFactory(name="KUA Kecamatan Coblong", parent=district_a, kind=Unit.Kind.OTHER)
    for unit, seats in ((kanwil_a, 4), (district_a, 2), (kanwil_b, 1)):
        UnitQuotaFactory(event=event, unit=unit, in_person_seats=seats)
    for unit, modes, status in (
        (kanwil_a, [IN, IN, ON], "approved"), (district_a, [IN, ON, IN], "pending"), (kua, [IN, IN, IN], "approved"),
        (kua, [IN, IN, IN], "cancelled"), (kanwil_b, [ON, IN, ON], "approved"), (UnitFactory(), [IN, IN, IN], "approved"),
    ):
        RegistrationFactory(event=event, participant=ParticipantFactory(unit=unit), modes=modes, status=status)
    expected = by_the_rule_in_words()
    assert by_the_seat_book() == expected
    assert [(q.unit.name, q.seats, q.used_per_day) for q in selectors.quota_usage(event)] == expected
    assert dict((name, list(used.values())) for name, _s, used in expected) == {
        "Kanwil Kemenag Provinsi Jawa Barat": [1, 1, 0],
        "Kankemenag Kota Bandung": [2, 1, 2],
        "Kanwil Kemenag Provinsi Jawa Timur": [0, 1, 0],
    }
