"""Schemathesis against /api/schema/: every operation, generated requests, as an organiser (token).

Checks: no 5xx (not_a_server_error) and every documented answer matches its schema
(response_schema_conformance). In-process through Django's WSGI app, inside the test's
transaction, so the data below is what the API sees. A few examples per operation
(derandomised: the same run every time) keep it well under a minute.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from attendance.chain import seal_event
from attendance.models import Registration
from agenda.models import Session
from tests.factories import EventFactory, organiser

from .factories_api import at, person, refused_scan, scan, tree

SLUG = "rakorwas-uji"


@pytest.fixture
def same_connection():
    """Keep the test's database connection across requests, as Django's own test client does.

    (The raw WSGI handler closes "old" connections at the end of each request; inside the
    test's transaction on PostgreSQL that would leave the next request without one.)
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_data(db, settings, same_connection):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # set up once per operation
    event = EventFactory(slug=SLUG)
    units = tree()
    people = [person(event, units["jabar"], "Dr. H. Kepala Kanwil Jabar, M.Ag."),
              person(event, units["garut"], "H. Kakankemenag Garut", modes=["online"] * 3),
              person(event, units["jatim"], "Kepala Kanwil Jatim", status=Registration.Status.PENDING)]
    session = Session.objects.create(event=event, title="Pembukaan", day=event.days[0], start=at(event, 0, 9),
                                     end=at(event, 0, 10), meeting_url="https://zoom.us/j/81234567890")
    scan(people[0], 0)
    refused_scan(event, 1)
    seal_event(event)
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=organiser()).key
    return {"event": event, "session": session, "token": token}


# Loaded when the module is collected (pytest-django has set Django up by then); making the
# schema reads no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@schema.parametrize()
@settings(max_examples=8, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_api(case, api_data):
    # Point most requests at the event (and session) that exist, so they reach the real code paths.
    if "slug" in case.path_parameters:
        case.path_parameters["slug"] = SLUG
    if "id" in case.path_parameters and "sessions" in case.path:
        case.path_parameters["id"] = api_data["session"].pk
    if isinstance(case.body, dict) and "event" in case.body:
        case.body["event"] = SLUG
    case.call_and_validate(headers={"Authorization": f"Token {api_data['token']}"},
                           checks=[not_a_server_error, response_schema_conformance])
