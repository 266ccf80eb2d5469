"""The portal's days and check-ins in one statement (attendance.portal_sql) give the ORM path's answer."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance.models import CheckIn, Registration, RegistrationDay
from attendance.portal_sql import portal_days_and_checkins
from attendance.selectors import checkins_for_registration
from tests.agenda.agenda_helpers import make_session
from tests.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def checkin(registration, when, *, result=CheckIn.Result.OK, session=None, kind=CheckIn.Kind.ENTRY,
            method=CheckIn.Method.CAMERA, gate=""):
    return CheckIn.objects.create(event=registration.event, registration=registration, kind=kind, day=when.date(),
                                  method=method, scanned_at=when, nonce=uuid.uuid4(), result=result, gate=gate,
                                  session=session)


def shown(days, checkins) -> tuple:
    """Everything the portal page and its ETag read of the days and check-ins."""
    return ([(d.pk, d.registration_id, d.date, d.mode, d.get_mode_display()) for d in days],
            [(c.pk, c.registration_id, c.scanned_at, c.local_time, c.local_time.tzinfo, c.kind, c.get_kind_display(),
              c.method, c.get_method_display(), c.gate, c.session_id, c.session.title if c.session_id else None)
             for c in checkins])


def orm_path(registration) -> tuple:
    return shown(list(registration.days.all()), checkins_for_registration(registration))


@pytest.fixture
def event():
    return EventFactory(start_date=dt.date(2030, 11, 21), end_date=dt.date(2030, 11, 23))


def test_the_same_days_and_checkins_as_the_orm_in_one_statement(event):
    registration = RegistrationFactory(event=event, modes=["in_person", "online", "in_person"])
    other = RegistrationFactory(event=event, modes=["online"])
    session = make_session(event, "Pembukaan & <Arahan> Menteri", day_index=1)
    t = dt.datetime(2030, 11, 21, 1, 30, tzinfo=dt.UTC)
    checkin(registration, t + dt.timedelta(days=1), session=session, method=CheckIn.Method.ONLINE)
    checkin(registration, t, gate="Pintu A")
    checkin(registration, t, gate="Pintu B", kind=CheckIn.Kind.EXIT)  # the same moment: by id, as the ORM orders
    checkin(registration, t + dt.timedelta(hours=3), kind=CheckIn.Kind.EXIT, method=CheckIn.Method.MANUAL)
    checkin(registration, t + dt.timedelta(hours=1), result=CheckIn.Result.REVOKED)  # refused: not shown
    checkin(other, t)  # someone else's
    registration = Registration.objects.select_related("event").get(pk=registration.pk)  # as the portal finds it
    with CaptureQueriesContext(connection) as queries:
        days, checkins = portal_days_and_checkins(registration)
    assert len(queries) == 1, [q["sql"] for q in queries.captured_queries]
    assert shown(days, checkins) == orm_path(registration)
    assert [d.mode for d in days] == ["in_person", "online", "in_person"]
    assert [c.gate for c in checkins] == ["Pintu A", "Pintu B", "", ""]


def test_nothing_yet_and_days_only(event):
    none = RegistrationFactory(event=event, modes=[])
    RegistrationDay.objects.filter(registration=none).delete()
    assert portal_days_and_checkins(none) == ([], [])
    days_only = RegistrationFactory(event=event, modes=["online", "online"])
    assert shown(*portal_days_and_checkins(days_only)) == orm_path(days_only)
    assert len(portal_days_and_checkins(days_only)[0]) == 2


def test_checkins_only_in_another_time_zone():
    event = EventFactory(start_date=dt.date(2030, 11, 21), end_date=dt.date(2030, 11, 21), time_zone="Asia/Jayapura")
    registration = RegistrationFactory(event=event, modes=["online"])
    RegistrationDay.objects.filter(registration=registration).delete()
    checkin(registration, dt.datetime(2030, 11, 20, 23, 59, 59, 123456, tzinfo=dt.UTC))
    days, checkins = portal_days_and_checkins(registration)
    assert days == []
    assert shown(days, checkins) == orm_path(registration)
    assert checkins[0].local_time.isoformat() == "2030-11-21T08:59:59.123456+09:00"


def test_the_portal_page_is_the_same_as_with_the_orm_path(client, event, monkeypatch, settings):
    """The page the one statement gives equals, byte for byte, the page of the two ORM reads."""
    import re

    from django.core.cache import cache

    from attendance.views import portal as portal_views

    settings.PORTAL_PAGE_SECONDS = 0
    registration = RegistrationFactory(event=event, modes=["in_person", "online", "online"])
    session = make_session(event, "Pleno: Arahan & <Kebijakan>", day_index=1)
    t = dt.datetime(2030, 11, 21, 1, 30, tzinfo=dt.UTC)
    checkin(registration, t, gate="Pintu Utara")
    checkin(registration, t + dt.timedelta(days=1), session=session, method=CheckIn.Method.ONLINE)
    checkin(registration, t + dt.timedelta(hours=1), result=CheckIn.Result.REVOKED)

    def page() -> str:
        cache.clear()
        client.cookies.clear()
        html = client.get(registration.portal_path).content.decode()
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)

    one_statement = page()
    monkeypatch.setattr(portal_views, "portal_days_and_checkins",
                        lambda r: (list(r.days.all()), checkins_for_registration(r)))
    assert page() == one_statement
    assert "Pintu Utara" in one_statement and "Pleno: Arahan &amp; &lt;Kebijakan&gt;" in one_statement
