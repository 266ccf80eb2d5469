import datetime as dt

import pytest
from django.urls import reverse

from rakor.models import Event, Unit
from tests.factories import (
    EventFactory, ParticipantFactory, RegistrationFactory, UnitFactory, UnitQuotaFactory, UserFactory, coordinator,
    organiser,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_org(client):
    client.force_login(organiser())
    return client


def test_unit_tree_list_search_and_filters(client_org):
    kanwil = UnitFactory(name="Kanwil Kemenag Provinsi Aceh", code="kanwil-aceh", province="Aceh")
    Unit.objects.create(name="Kankemenag Kota Banda Aceh", code="kota-banda-aceh", kind=Unit.Kind.DISTRICT,
                        parent=kanwil)
    UnitFactory(name="Kanwil Kemenag Provinsi Bali", code="kanwil-bali", province="Bali")
    url = reverse("admin:rakor_unit_changelist")

    def names(query=""):
        return [u.name for u in client_org.get(url + query).context["cl"].result_list]

    assert names("?province=Aceh") == ["Kanwil Kemenag Provinsi Aceh", "Kankemenag Kota Banda Aceh"]  # tree order
    assert names("?kind__exact=district") == ["Kankemenag Kota Banda Aceh"]
    assert names("?q=bali") == ["Kanwil Kemenag Provinsi Bali"]
    response = client_org.get(reverse("admin:autocomplete"), {
        "term": "banda", "app_label": "attendance", "model_name": "participant", "field_name": "unit"})
    assert [r["text"] for r in response.json()["results"]] == ["Kankemenag Kota Banda Aceh"]


def test_event_page_shows_public_key_and_quota_use_never_the_signing_key(client_org):
    event = EventFactory(start_date=dt.date(2022, 11, 21), end_date=dt.date(2022, 11, 22))
    unit = UnitFactory(name="Kanwil Aceh")
    UnitQuotaFactory(event=event, unit=unit, in_person_seats=3)
    RegistrationFactory(event=event, participant=ParticipantFactory(unit=unit), modes=["in_person", "online"])
    page = client_org.get(reverse("admin:rakor_event_change", args=[event.pk])).content.decode()
    assert event.public_key in page
    assert event.signing_key not in page
    assert "<tr><td>Kanwil Aceh</td><td>3</td><td>1</td><td>0</td></tr>" in page


def test_organiser_can_add_an_event_and_keys_are_made(client_org):
    response = client_org.post(reverse("admin:rakor_event_add"), {
        "name": "Rakorwas 2023", "slug": "rakorwas-2023", "time_zone": "Asia/Jakarta", "start_date": "2023-11-20",
        "end_date": "2023-11-22", "requires_approval": "on", "join_spread_seconds": "5"})  # as the form prefills it
    assert response.status_code == 302
    event = Event.objects.get(slug="rakorwas-2023")
    assert len(event.public_key) > 20 and event.signing_key != event.public_key


def test_staff_profiles_list(client_org):
    unit = UnitFactory(name="Kanwil Jambi")
    coordinator(unit, username="kabag-tu-jambi")
    page = client_org.get(reverse("admin:rakor_staffprofile_changelist")).content.decode()
    assert "kabag-tu-jambi" in page and "Kanwil Jambi" in page


def test_back_office_is_closed_to_coordinators_and_plain_staff(client):
    coordinator_user = coordinator(UnitFactory())
    coordinator_user.is_staff = True
    coordinator_user.save()
    client.force_login(coordinator_user)
    assert client.get(reverse("admin:rakor_unit_changelist")).status_code == 403
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("admin:attendance_registration_changelist")).status_code == 403
