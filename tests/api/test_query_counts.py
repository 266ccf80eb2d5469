"""Every list endpoint of the API: the same number of queries for 1 and for 3 items."""

import pytest

from attendance.chain import seal_event
from rakor.models import Unit
from agenda.models import Session
from tests.factories import EventFactory, ParticipantFactory, RegistrationFactory, UnitFactory, coordinator, organiser

from .factories_api import at, refused_scan, scan, token_client

pytestmark = pytest.mark.django_db


def get(client, url, expected, django_assert_num_queries):
    client.get(url)  # warm once (nothing of this project is cached between requests, but Django's own caches are)
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()


def results(data):
    return data["results"] if "results" in data else data["sessions"]


def make_events(n):
    for i in range(n):
        EventFactory(slug=f"rakor-{i}")


def make_units(n):
    root = UnitFactory(code="root", kind=Unit.Kind.ECHELON_I)
    for i in range(n - 1):
        UnitFactory(code=f"child-{i}", parent=root)


def make_registrations(n, event, unit):
    for i in range(n):
        RegistrationFactory(event=event, participant=ParticipantFactory(unit=unit))


def make_checkins(n, event, unit):
    for i in range(n):
        reg = RegistrationFactory(event=event, participant=ParticipantFactory(unit=unit))
        scan(reg, i)
    seal_event(event)


def make_sessions(n, event):
    for i in range(n):
        Session.objects.create(event=event, title=f"Sesi {i}", day=event.days[0], start=at(event, 0, 9 + i),
                               end=at(event, 0, 10 + i))


@pytest.mark.parametrize("n", [1, 3])
def test_events(n, django_assert_num_queries):
    make_events(n)
    data = get(token_client(organiser()), "/api/v1/events/", 3, django_assert_num_queries)  # token, count, page
    assert len(results(data)) == n


@pytest.mark.parametrize("n", [1, 3])
def test_units(n, django_assert_num_queries):
    make_units(n)
    data = get(token_client(organiser()), "/api/v1/units/", 3, django_assert_num_queries)  # token, count, page
    assert len(results(data)) == n


@pytest.mark.parametrize("who", ["organiser", "coordinator"])
@pytest.mark.parametrize("n", [1, 3])
def test_registrations(n, who, django_assert_num_queries):
    event = EventFactory(slug="rakorwas-uji")
    unit = UnitFactory()
    make_registrations(n, event, unit)
    user = organiser() if who == "organiser" else coordinator(unit)
    # token, groups, [coordinator's profile, unit], event, count, page, days
    expected = {"organiser": 6, "coordinator": 8}[who]
    data = get(token_client(user), "/api/v1/events/rakorwas-uji/registrations/?status=approved", expected,
               django_assert_num_queries)
    assert len(results(data)) == n


@pytest.mark.parametrize("who", ["organiser", "coordinator"])
@pytest.mark.parametrize("n", [1, 3])
def test_checkins(n, who, django_assert_num_queries):
    event = EventFactory(slug="rakorwas-uji")
    unit = UnitFactory()
    make_checkins(n, event, unit)
    if who == "organiser":
        refused_scan(event, 59)  # a row without a registration
    user = organiser() if who == "organiser" else coordinator(unit)
    # token, groups, [coordinator's profile, unit], event, the ?unit filter's unit, count, page
    expected = {"organiser": 6, "coordinator": 8}[who]
    data = get(token_client(user), f"/api/v1/events/rakorwas-uji/checkins/?unit={unit.pk}", expected,
               django_assert_num_queries)
    assert len(results(data)) == n


@pytest.mark.parametrize("n", [1, 3])
def test_sessions(n, django_assert_num_queries):
    event = EventFactory(slug="rakorwas-uji")
    make_sessions(n, event)
    # token, groups, event, sessions (no count query: the agenda fits one page)
    data = get(token_client(organiser()), "/api/v1/events/rakorwas-uji/sessions/?mode=hybrid", 4,
               django_assert_num_queries)
    assert len(results(data)) == n
