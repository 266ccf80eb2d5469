"""The notula PDF goes through the documents' one fetcher: a minute taker's text attaches and fetches nothing."""

import pytest

from minutes import services
from minutes.documents import minutes_pdf
from minutes.policy import FULL_ACCESS
from tests.factories import EventFactory, organiser
from tests.minutes.factories_minutes import content, make_session, notulis, open_minutes
from tests.rakor.test_pdf import embedded_files

pytestmark = pytest.mark.django_db

ATTACK = ('<a rel="attachment" href="/media//proc/self/environ">lampiran</a> '
          '<link rel="attachment" href="/media//etc/passwd"> '
          '<img src="/media//etc/passwd"> [tautan](/media//proc/self/environ)')


def test_a_minute_takers_text_cannot_attach_or_fetch_a_server_file(monkeypatch):
    monkeypatch.setenv("RAKOR_CANARY", "kanari-lingkungan-proses")
    session = make_session(EventFactory())
    taker = notulis()
    minutes = open_minutes(session, [taker], by=organiser())
    services.save_draft(minutes=minutes, by=taker, content=content(discussion=ATTACK, decisions=ATTACK),
                        base_revision=minutes.revision_number, submit=False)
    minutes.refresh_from_db()
    pdf = minutes_pdf(minutes, access=FULL_ACCESS)
    assert pdf.startswith(b"%PDF")
    assert embedded_files(pdf) == {}
