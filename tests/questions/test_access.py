"""Who may ask, vote, moderate and see what: through the pages, as people use them."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from agenda.models import Session
from questions.models import Question, QuestionSettings, Vote
from rakor.models import AuditEntry
from tests.factories import UserFactory, organiser

from .helpers import live_session, make_event, moderator_of, participant, question

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_limits():
    cache.clear()
    yield
    cache.clear()


def ask(client, reg, session, text="Kapan juknis pengawasan dana BOS terbit?", HTTP_ACCEPT="text/html", **data):
    return client.post(reverse("questions:portal_ask", args=[reg.portal_secret, session.pk]), {"text": text, **data},
                       HTTP_ACCEPT=HTTP_ACCEPT)


def vote(client, reg, q):
    return client.post(reverse("questions:portal_vote", args=[reg.portal_secret, q.session_id, q.pk]),
                       HTTP_ACCEPT="application/json")


def test_an_approved_participant_asks_during_a_live_session_and_it_waits_for_the_moderator(client):
    event = make_event()
    session = live_session(event)
    reg = participant(event)
    response = ask(client, reg, session)
    assert response.status_code == 302
    q = Question.objects.get()
    assert (q.text, q.status, q.registration_id) == ("Kapan juknis pengawasan dana BOS terbit?", "pending", reg.pk)
    page = client.get(reverse("questions:portal", args=[reg.portal_secret, session.pk])).content.decode()
    assert "Pertanyaan saya" in page and "Menunggu persetujuan" in page


def test_in_person_participants_ask_too(client):
    event = make_event()
    session = live_session(event)
    reg = participant(event, modes=["in_person"] * 3)
    ask(client, reg, session)
    assert Question.objects.filter(registration=reg).count() == 1


@pytest.mark.parametrize("status", [Session.Status.SCHEDULED, Session.Status.ENDED])
def test_nobody_asks_outside_a_live_session(client, status):
    event = make_event()
    session = live_session(event, status=status)
    reg = participant(event)
    response = ask(client, reg, session, HTTP_ACCEPT="application/json")
    assert response.json()["result"] == "not_live"
    assert Question.objects.count() == 0


def test_another_events_ticket_cannot_ask_vote_or_see(client):
    event, other = make_event(), make_event()
    session = live_session(event)
    stranger = participant(other)
    q = question(session, participant(event))
    assert ask(client, stranger, session).status_code == 404
    assert vote(client, stranger, q).status_code == 404
    assert client.get(reverse("questions:portal", args=[stranger.portal_secret, session.pk])).status_code == 404
    assert client.get(reverse("questions:portal_json", args=[stranger.portal_secret, session.pk])).status_code == 404
    assert Question.objects.count() == 1 and Vote.objects.count() == 0


@pytest.mark.parametrize("change", ["revoked", "pending", "rejected"])
def test_a_revoked_or_unapproved_ticket_cannot_ask_or_vote(client, change):
    event = make_event()
    session = live_session(event)
    reg = participant(event)
    q = question(session, participant(event, name="Peserta Lain", unit="Kanwil Jawa Barat"))
    if change == "revoked":
        reg.ticket_revoked_at = timezone.now()
    else:
        reg.status = change
    reg.save()
    assert ask(client, reg, session).status_code == 404
    assert vote(client, reg, q).status_code == 404
    assert Question.objects.count() == 1 and Vote.objects.count() == 0


def test_an_unknown_secret_is_an_ordinary_404(client):
    event = make_event()
    session = live_session(event)
    assert client.post(reverse("questions:portal_ask", args=["x" * 43, session.pk]), {"text": "halo semua"}).status_code == 404


def test_others_upvote_once_each_and_only_approved_questions(client):
    event = make_event()
    session = live_session(event)
    asker, voter = participant(event), participant(event, name="Hj. Siti Aminah", unit="Kanwil Jawa Tengah")
    q = question(session, asker)
    pending = question(session, asker, text="Belum disetujui", status="pending")
    assert vote(client, voter, q).json() == {"result": "ok"}
    assert vote(client, voter, q).json() == {"result": "already_voted"}
    assert vote(client, voter, pending).json()["result"] == "not_open"
    assert Vote.objects.filter(question=q).count() == 1
    data = client.get(reverse("questions:portal_json", args=[voter.portal_secret, session.pk])).json()
    assert [(w["text"], w["votes"]) for w in data["waiting"]] == [("Bagaimana tindak lanjut temuan BPK tahun lalu?", 1)]
    assert data["voted"] == [q.pk]


def test_rate_limit_is_per_person_not_per_address(client):
    event = make_event()
    session = live_session(event)
    first, second = participant(event), participant(event, name="Rekan Sekantor", unit="Kankemenag Kab. Tasikmalaya")
    for i in range(5):
        assert ask(client, first, session, text=f"Pertanyaan nomor {i}", HTTP_ACCEPT="application/json").json() == {"result": "ok"}
    assert ask(client, first, session, text="Satu lagi", HTTP_ACCEPT="application/json").json()["result"] == "rate_limited"
    # The same address (one office behind one NAT), another person: not limited.
    assert ask(client, second, session, text="Dari meja sebelah", HTTP_ACCEPT="application/json").json() == {"result": "ok"}


def test_text_limits(client):
    event = make_event()
    session = live_session(event)
    reg = participant(event)
    assert ask(client, reg, session, text="   ", HTTP_ACCEPT="application/json").json()["result"] == "empty"
    assert ask(client, reg, session, text="x" * 501, HTTP_ACCEPT="application/json").json()["result"] == "too_long"
    assert Question.objects.count() == 0


def test_participants_see_neither_pending_nor_hidden_questions_and_anonymous_names_stay_hidden(client):
    event = make_event()
    QuestionSettings.objects.create(event=event, allow_anonymous=True)
    session = live_session(event)
    asker, reader = participant(event), participant(event, name="Pembaca", unit="Kanwil Aceh")
    question(session, asker, text="Pertanyaan yang menunggu", status="pending")
    question(session, asker, text="Pertanyaan yang disembunyikan", status="hidden")
    question(session, asker, text="Pertanyaan anonim", anonymous=True)
    page = client.get(reverse("questions:portal", args=[reader.portal_secret, session.pk])).content.decode()
    data = client.get(reverse("questions:portal_json", args=[reader.portal_secret, session.pk])).json()
    for seen in (page, str(data)):
        assert "Pertanyaan yang menunggu" not in seen and "Pertanyaan yang disembunyikan" not in seen
        assert "Pertanyaan anonim" in seen
        assert "Ahmad Fauzi" not in seen and "Tasikmalaya" not in seen
    assert [(w["asker"], w["unit"]) for w in data["waiting"]] == [("Anonim", "")]


def test_anonymous_is_never_anonymous_to_moderators(client):
    event = make_event()
    QuestionSettings.objects.create(event=event, allow_anonymous=True)
    session = live_session(event)
    question(session, participant(event), text="Pertanyaan anonim", anonymous=True)
    client.force_login(moderator_of(session))
    page = client.get(reverse("questions:moderate", args=[event.slug, session.pk])).content.decode()
    assert "Drs. H. Ahmad Fauzi, M.Pd." in page and "Kankemenag Kab. Tasikmalaya" in page


def test_anonymous_needs_the_events_permission(client):
    event = make_event()
    session = live_session(event)
    ask(client, participant(event), session, anonymous="1")
    assert Question.objects.get().anonymous is False


def test_who_may_moderate(client):
    event = make_event()
    session, other_session = live_session(event), live_session(event, title="Sesi lain")
    q = question(session, participant(event), status="pending")
    url = reverse("questions:moderate_act", args=[event.slug, session.pk, q.pk])
    # Nobody signed in: the sign-in page. A stranger and another session's moderator: refused.
    assert client.post(url, {"action": "approve"}).status_code == 302
    client.force_login(UserFactory())
    assert client.post(url, {"action": "approve"}).status_code == 403
    client.force_login(moderator_of(other_session))
    assert client.post(url, {"action": "approve"}).status_code == 403
    assert client.get(reverse("questions:projector", args=[event.slug, session.pk])).status_code == 403
    q.refresh_from_db()
    assert q.status == "pending"
    # The session's moderator and any organiser may.
    client.force_login(moderator_of(session))
    client.post(url, {"action": "approve"})
    q.refresh_from_db()
    assert q.status == "approved"
    client.force_login(organiser())
    client.post(url, {"action": "hide"})
    q.refresh_from_db()
    assert q.status == "hidden"


def test_every_moderation_act_is_audited(client):
    event = make_event()
    session = live_session(event)
    reg = participant(event)
    q, dup = question(session, reg, status="pending"), question(session, reg, text="Duplikat", status="pending")
    user = moderator_of(session)
    client.force_login(user)
    url = reverse("questions:moderate_act", args=[event.slug, session.pk, q.pk])
    for data in ({"action": "approve"}, {"action": "screen"}, {"action": "unscreen"}, {"action": "hide"},
                 {"action": "restore"}, {"action": "answer", "note": "Juknis terbit Januari."}):
        client.post(url, data)
    client.post(reverse("questions:moderate_act", args=[event.slug, session.pk, dup.pk]),
                {"action": "merge", "into": q.pk})
    actions = list(AuditEntry.objects.filter(actor=user, action__startswith="question_").order_by("pk")
                   .values_list("action", flat=True))
    assert actions == ["question_approve", "question_screen", "question_unscreen", "question_hide", "question_restore",
                       "question_answer", "question_merge"]


def test_one_question_on_screen_and_merge_moves_votes_once(client):
    event = make_event()
    session = live_session(event)
    a, b, c = participant(event), participant(event, name="B", unit="Kanwil Bali"), participant(event, name="C", unit="Kanwil NTB")
    first, dup = question(session, a), question(session, b, text="Sama: tindak lanjut temuan BPK?")
    Vote.objects.create(question=first, registration=c)
    Vote.objects.create(question=dup, registration=c)
    Vote.objects.create(question=dup, registration=a)
    client.force_login(organiser())
    act = lambda q, **d: client.post(reverse("questions:moderate_act", args=[event.slug, session.pk, q.pk]), d)  # noqa: E731
    act(first, action="screen")
    act(dup, action="screen")
    assert list(Question.objects.filter(on_screen=True).values_list("pk", flat=True)) == [dup.pk]
    act(dup, action="merge", into=first.pk)
    dup.refresh_from_db()
    assert (dup.status, dup.merged_into_id, dup.on_screen) == ("merged", first.pk, False)
    assert sorted(Vote.objects.filter(question=first).values_list("registration_id", flat=True)) == sorted([a.pk, c.pk])


def test_moderator_index_lists_only_their_sessions(client):
    event = make_event()
    mine, other = live_session(event, title="Sesi saya"), live_session(event, title="Sesi orang lain")
    client.force_login(moderator_of(mine))
    page = client.get(reverse("questions:index", args=[event.slug])).content.decode()
    assert "Sesi saya" in page and "Sesi orang lain" not in page
    client.force_login(UserFactory())
    assert client.get(reverse("questions:index", args=[event.slug])).status_code == 403


def test_the_portals_etag_follows_the_question_box(client):
    """The portal answers revisits with 304 (issue 15): the "Tanya" box appearing, or the event allowing
    anonymous questions, must change the page's ETag, or a phone keeps the page without the box."""
    event = make_event()
    session = live_session(event, status=Session.Status.SCHEDULED)
    reg = participant(event)
    first = client.get(reg.portal_path)
    assert 'data-qa-session="%d"' % session.pk in first.content.decode()  # today's: hidden until live
    assert client.get(reg.portal_path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    session.status = Session.Status.LIVE
    session.save()
    live = client.get(reg.portal_path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert live.status_code == 200 and live["ETag"] != first["ETag"]
    QuestionSettings.objects.create(event=event, allow_anonymous=True)
    anonymous = client.get(reg.portal_path, HTTP_IF_NONE_MATCH=live["ETag"])
    assert anonymous.status_code == 200 and anonymous["ETag"] != live["ETag"]
