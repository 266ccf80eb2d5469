"""The portal page shared by everyone in the same state (issue 15): a first view served without rendering is
byte for byte the page a render gives that person, and never carries another person's data."""

import datetime as dt
import re
import uuid

import pytest
from django.core.cache import cache
from django.test import Client

from agenda.models import Session
from agenda.services import session_set_status
from attendance.checkin import checkin_perform
from attendance.models import Registration
from tests.agenda.agenda_helpers import make_session
from tests.factories import EventFactory, ParticipantFactory, RegistrationFactory, UnitFactory

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def event():
    return EventFactory(start_date=dt.date(2030, 11, 21), end_date=dt.date(2030, 11, 22))


def rendered(response) -> bool:
    return "attendance/public/portal.html" in [t.name for t in response.templates]


def page(response) -> str:
    """The page but for the CSRF form tokens (each render masks the cookie's secret anew)."""
    return TOKEN.sub("", response.content.decode())


def person(event, name, *, unit="Kantor Kementerian Agama Kab. Uji", position="Kepala Seksi", **kwargs):
    participant = ParticipantFactory(full_name=name, position=position, unit=UnitFactory(name=unit))
    return RegistrationFactory(event=event, participant=participant, **kwargs)


def as_rendered(registration, settings) -> str:
    """The page a render gives this person (nothing kept)."""
    seconds, settings.PORTAL_PAGE_SECONDS = settings.PORTAL_PAGE_SECONDS, 0
    try:
        response = Client().get(registration.portal_path)
        assert rendered(response)
        return page(response)
    finally:
        settings.PORTAL_PAGE_SECONDS = seconds


HOSTILE = [
    ("Drs. H. A'an \"Ujang\" <b>Siregar</b> & Rekan", "Kanwil <Kemenag> Prov. Sumatera Utara & Co", "Kasubag T&U"),
    ("Hj. Siti Nur'aini, S.Ag., M.Pd.I", "KUA Kec. Ciputat — Tangerang Selatan", ""),
    ("Ni Made Ayu Ṣāliḥah 李", "Kantor Kemenag Kab. Badung", "Penyuluh {{ agama }} {% trans %}"),
]


def test_people_in_the_same_state_share_one_render_and_each_gets_exactly_their_own_page(event, settings):
    first = person(event, "Peserta Pertama", modes=["online", "online"])
    served = Client().get(first.portal_path)
    assert rendered(served)
    for name, unit, position in HOSTILE:
        other = person(event, name, unit=unit, position=position, modes=["online", "online"])
        response = Client().get(other.portal_path)
        if position:
            assert not rendered(response)  # the shape first rendered: served from the cache
        assert page(response) == as_rendered(other, settings)
        text = response.content.decode()
        assert "Peserta Pertama" not in text and first.portal_secret not in text and first.short_code_display not in text
        assert first.ticket not in text


def test_every_kind_of_standing_gives_the_rendered_page(event, settings):
    people = [
        person(event, "Menunggu Persetujuan", status=Registration.Status.PENDING),
        person(event, "Ditolak <Karena> Kuota", status=Registration.Status.REJECTED),
        person(event, "Hadir di Tempat", modes=["in_person", "online"]),
        person(event, "Tanpa Jabatan", position=""),
    ]
    people[1].status_reason = "Kuota unit penuh & sudah diganti <orang lain>"
    people[1].save()
    revoked = person(event, "Tiket Dicabut")
    revoked.ticket_revoked_at = dt.datetime(2030, 11, 20, 9, 0, tzinfo=event.tz)
    revoked.save()
    people.append(revoked)
    for registration in people:
        twin = person(event, registration.participant.full_name + " Kembar", position=registration.participant.position,
                      status=registration.status, modes=[d.mode for d in registration.days.order_by("date")])
        twin.status_reason, twin.ticket_revoked_at = registration.status_reason, registration.ticket_revoked_at
        twin.save()
        Client().get(registration.portal_path)  # renders the shape
        response = Client().get(twin.portal_path)
        assert not rendered(response), registration.participant.full_name
        assert page(response) == as_rendered(twin, settings)


def test_a_checkin_and_a_live_session_give_pages_of_their_own_that_equal_a_render(event, settings):
    session = make_session(event, "Pembukaan oleh Menteri", day_index=0)
    a, b = person(event, "Peserta A", modes=["online", "in_person"]), person(event, "Peserta B",
                                                                            modes=["online", "in_person"])
    Client().get(a.portal_path)
    session_set_status(session=session, status=Session.Status.LIVE)
    assert page(Client().get(b.portal_path)) == as_rendered(b, settings)
    checkin_perform(event=event, ticket=b.ticket, nonce=uuid.uuid4(),
                    scanned_at=dt.datetime.combine(event.days[1], dt.time(8, 5), tzinfo=event.tz))
    after = Client().get(b.portal_path)
    assert rendered(after) and "08:05" in after.content.decode()
    assert page(after) == as_rendered(b, settings)
    assert "08:05" not in Client().get(a.portal_path).content.decode()


def test_a_template_reading_something_the_shape_does_not_cover_shows_nothing_of_the_first_person(event):
    """The stand-in carries only what the shape covers: e-mail, NIP, WhatsApp are not on it."""
    from attendance.portal_cache import PersonTokens

    registration = person(event, "Peserta Pertama")
    stand = PersonTokens().stand_in(registration)
    p = stand.participant
    assert (p.email, p.id_number, p.whatsapp, stand.public_id != registration.public_id, stand.pk) == (
        "", "", "", True, None)
    assert registration.participant.full_name not in repr(vars(p)) and registration.portal_secret not in repr(vars(stand))
