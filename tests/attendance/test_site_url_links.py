"""Every absolute link comes from SITE_URL, never from the host a request came by (issue 13, item 9)."""

import pytest

from tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db

SITE = "https://rakor.example.go.id"


@pytest.fixture
def site(settings):
    settings.SITE_URL = SITE
    settings.ALLOWED_HOSTS = ["node-a.internal", "testserver"]


def test_the_portal_shows_the_personal_link_on_the_public_address(client, site):
    reg = RegistrationFactory()
    page = client.get(f"/t/{reg.portal_secret}/", HTTP_HOST="node-a.internal").content.decode()
    assert f'value="{SITE}/t/{reg.portal_secret}/"' in page
    assert "node-a.internal" not in page


def test_the_ical_feeds_link_to_the_public_address(client, site):
    from agenda.models import Session

    reg = RegistrationFactory(modes=["online"] * 3)
    event = reg.event
    import datetime as dt

    start = dt.datetime.combine(event.days[0], dt.time(9), tzinfo=event.tz)
    Session.objects.create(event=event, title="Pembukaan", day=event.days[0], start=start,
                           end=start + dt.timedelta(hours=1), mode=Session.Mode.ONLINE,
                           meeting_url="https://zoom.example/j/1")
    for path in (f"/e/{event.slug}/agenda.ics", f"/t/{reg.portal_secret}/agenda.ics"):
        body = client.get(path, HTTP_HOST="node-a.internal").content.decode().replace("\r\n ", "")
        assert SITE in body
        assert "node-a.internal" not in body and "127.0.0.1" not in body
