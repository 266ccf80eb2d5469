"""Helpers for the API tests: a unit tree with people in it, and token clients."""

import datetime as dt
import uuid

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from attendance.checkin import checkin_perform
from attendance.models import CheckIn
from rakor.models import Unit
from tests.factories import EventFactory, ParticipantFactory, RegistrationFactory, UnitFactory


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def tree():
    """Two provinces, one with a district office under it, and an echelon-I unit."""
    itjen = UnitFactory(name="Inspektorat Jenderal", code="itjen", kind=Unit.Kind.ECHELON_I, province="")
    jabar = UnitFactory(name="Kanwil Kemenag Provinsi Jawa Barat", code="kanwil-jabar", province="Jawa Barat")
    garut = UnitFactory(name="Kankemenag Kabupaten Garut", code="kankemenag-garut", kind=Unit.Kind.DISTRICT,
                        parent=jabar, province="")
    jatim = UnitFactory(name="Kanwil Kemenag Provinsi Jawa Timur", code="kanwil-jatim", province="Jawa Timur")
    return {"itjen": itjen, "jabar": jabar, "garut": garut, "jatim": jatim}


def person(event, unit, name, **kwargs):
    return RegistrationFactory(event=event, participant=ParticipantFactory(unit=unit, full_name=name), **kwargs)


def at(event, day_index=0, hour=8, minute=0):
    return dt.datetime.combine(event.days[day_index], dt.time(hour, minute), tzinfo=event.tz)


def scan(registration, minute=0, **kwargs):
    event = registration.event
    return checkin_perform(event=event, ticket=kwargs.pop("ticket", registration.ticket), nonce=uuid.uuid4(),
                           scanned_at=kwargs.pop("when", at(event, 0, 8, minute)), **kwargs).checkin


def refused_scan(event, minute=0):
    """A scan of something that is not a ticket: recorded, refused, nobody's."""
    return checkin_perform(event=event, ticket="BUKAN-TIKET", nonce=uuid.uuid4(), scanned_at=at(event, 0, 8, minute)).checkin


__all__ = ["CheckIn", "EventFactory", "token_client", "tree", "person", "scan", "refused_scan", "at"]
