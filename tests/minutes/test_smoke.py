import pytest

from minutes import services
from tests.factories import EventFactory, UnitFactory, organiser
from tests.minutes.factories_minutes import content, make_session, notulis, open_minutes

pytestmark = pytest.mark.django_db


def test_pages_render(client):
    event = EventFactory()
    session = make_session(event)
    org = organiser()
    taker = notulis()
    unit = UnitFactory()
    minutes = open_minutes(session, [taker], by=org)
    services.save_draft(minutes=minutes, by=taker, content=content(items=[{"what": "Rencana aksi", "unit": unit.pk, "due": "2030-01-01"}]),
                        base_revision=minutes.revision_number)
    client.force_login(taker)
    for url in (f"/e/{event.slug}/notulen/", f"/e/{event.slug}/notulen/{session.pk}/",
                f"/e/{event.slug}/notulen/{session.pk}/cetak/", f"/e/{event.slug}/notulen/{session.pk}/revisi/?a=1&b=2",
                f"/e/{event.slug}/notulen/{session.pk}/pdf/"):
        r = client.get(url)
        assert r.status_code == 200, (url, r.content[:2000])
    client.force_login(org)
    for url in (f"/e/{event.slug}/notulen/", f"/e/{event.slug}/notulen/{session.pk}/", f"/e/{event.slug}/tindak-lanjut/",
                f"/e/{event.slug}/tindak-lanjut/?format=xlsx"):
        r = client.get(url)
        assert r.status_code == 200, (url, r.content[:2000])
