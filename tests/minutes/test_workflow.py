"""The permission matrix of the minutes workflow, through the pages (who may see, edit, review, finalise)."""

import pytest

from minutes import services
from minutes.models import Minutes, MinutesRevision
from rakor.models import AuditEntry
from tests.factories import EventFactory, UnitFactory, coordinator, organiser, scanner
from tests.minutes.factories_minutes import content, make_session, notulis, open_minutes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("after_the_sessions")]  # minutes are finalised after their session

@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


ROLES = ("assigned", "other_notulis", "organiser", "coordinator", "scanner")


@pytest.fixture
def world():
    event = EventFactory()
    session = make_session(event)
    org = organiser()
    taker = notulis(first_name="Siti", last_name="Ditugaskan")
    users = {
        "assigned": taker, "other_notulis": notulis(first_name="Budi", last_name="Lain"), "organiser": org,
        "coordinator": coordinator(UnitFactory()), "scanner": scanner(),
    }
    minutes = open_minutes(session, [taker], by=org)
    return {"event": event, "session": session, "minutes": minutes, "users": users, "org": org, "taker": taker}


def to_state(world, state):
    minutes, taker, org = world["minutes"], world["taker"], world["org"]
    if state in ("review", "final"):
        services.save_draft(minutes=minutes, by=taker, content=content(), base_revision=minutes.revision_number,
                            submit=True)
    if state == "final":
        minutes.refresh_from_db()
        services.finalise(minutes=minutes, by=org)
    minutes.refresh_from_db()
    return minutes


def url(world, suffix=""):
    return f"/e/{world['event'].slug}/notulen/{world['session'].pk}/{suffix}"


VIEW = {  # role -> states in which the record is visible
    "assigned": {"draft", "review", "final"}, "organiser": {"draft", "review", "final"},
    "other_notulis": {"final"}, "coordinator": {"final"}, "scanner": set(),
}


@pytest.mark.parametrize("state", ["draft", "review", "final"])
@pytest.mark.parametrize("role", ROLES)
def test_who_sees_the_record_and_its_pdf(client, world, role, state):
    to_state(world, state)
    client.force_login(world["users"][role])
    page = client.get(url(world))
    pdf = client.get(url(world, "pdf/"))
    expected = 200 if state in VIEW[role] else 403
    assert (page.status_code, pdf.status_code) == (expected, expected)
    if expected == 200:
        assert "Pleno: pencegahan korupsi dan zona integritas" in page.content.decode()


def test_anonymous_is_sent_to_sign_in(client, world):
    to_state(world, "final")
    response = client.get(url(world))
    assert response.status_code == 302
    assert "/akun/" in response["Location"] or "login" in response["Location"]


@pytest.mark.parametrize("state", ["draft", "review", "final"])
@pytest.mark.parametrize("role", ROLES)
def test_only_the_assigned_minute_taker_edits_a_draft(client, world, role, state):
    minutes = to_state(world, state)
    client.force_login(world["users"][role])
    before = minutes.revision_number
    data = {**content(discussion="Ditulis oleh " + role), "base_revision": before, "action": "save",
            "items-TOTAL_FORMS": "0", "items-INITIAL_FORMS": "0"}
    response = client.post(url(world), data)
    minutes.refresh_from_db()
    if role == "assigned" and state == "draft":
        assert response.status_code == 302
        assert (minutes.discussion, minutes.revision_number) == ("Ditulis oleh assigned", before + 1)
    else:
        assert response.status_code == 403
        assert minutes.revision_number == before


@pytest.mark.parametrize("state", ["draft", "review", "final"])
@pytest.mark.parametrize("role", ROLES)
def test_only_organisers_finalise_and_only_in_review(client, world, role, state):
    minutes = to_state(world, state)
    client.force_login(world["users"][role])
    response = client.post(url(world, "periksa/"), {"action": "finalise"})
    minutes.refresh_from_db()
    if role == "organiser" and state == "review":
        assert response.status_code == 302
        assert minutes.status == Minutes.Status.FINAL
        assert minutes.finalised_by == world["org"]
    else:
        assert response.status_code == 403
        assert minutes.status == state


@pytest.mark.parametrize("role", ROLES)
def test_only_organisers_return_a_record_in_review(client, world, role):
    minutes = to_state(world, "review")
    client.force_login(world["users"][role])
    response = client.post(url(world, "periksa/"), {"action": "return", "note": "Lengkapi jam penutupan."})
    assert response.status_code == (302 if role == "organiser" else 403)
    minutes.refresh_from_db()
    expected = ("draft", "Lengkapi jam penutupan.") if role == "organiser" else ("review", "")
    assert (minutes.status, minutes.review_note) == expected


@pytest.mark.parametrize("role", ROLES)
def test_only_organisers_open_a_correction_with_a_reason(client, world, role):
    minutes = to_state(world, "final")
    client.force_login(world["users"][role])
    client.post(url(world, "koreksi/"), {"reason": ""})
    minutes.refresh_from_db()
    assert minutes.status == "final"  # no reason: refused for everyone
    client.post(url(world, "koreksi/"), {"reason": "Salah ketik nama unit."})
    minutes.refresh_from_db()
    assert minutes.status == ("draft" if role == "organiser" else "final")
    if role == "organiser":
        latest = MinutesRevision.objects.get(minutes=minutes, number=minutes.revision_number)
        assert (latest.kind, latest.reason) == ("correction", "Salah ketik nama unit.")


@pytest.mark.parametrize("role", ROLES)
def test_revision_history_is_for_the_assigned_and_organisers(client, world, role):
    to_state(world, "final")
    client.force_login(world["users"][role])
    response = client.get(url(world, "revisi/"))
    assert response.status_code == (200 if role in ("assigned", "organiser") else 403)


def test_a_final_record_is_locked_for_its_minute_taker(client, world):
    minutes = to_state(world, "final")
    client.force_login(world["taker"])
    page = client.get(url(world)).content.decode()
    assert 'id="mn-editor"' not in page
    assert "Pleno: pencegahan korupsi dan zona integritas" in page
    with pytest.raises(Exception):
        services.save_draft(minutes=minutes, by=world["taker"], content=content(), base_revision=minutes.revision_number)


def test_assigning_and_every_organiser_step_is_audited(client, world):
    minutes = to_state(world, "final")
    services.open_correction(minutes=minutes, by=world["org"], reason="Perbaikan NIP pimpinan.")
    services.restore_revision(minutes=minutes, by=world["org"], number=2, reason="Kembali ke naskah awal.")
    actions = list(AuditEntry.objects.filter(model="minutes.minutes", object_id=str(minutes.pk))
                   .order_by("at", "id").values_list("action", "actor_id"))
    org = world["org"].pk
    assert actions == [("minutes_open", org), ("minutes_finalise", org), ("minutes_correct", org),
                       ("minutes_restore", org)]


def test_organiser_assigns_minute_takers_from_the_list(client, world):
    client.force_login(world["org"])
    other = world["users"]["other_notulis"]
    response = client.post(url(world, "tugaskan/"), {"takers": [other.pk]})
    assert response.status_code == 302
    minutes = world["minutes"]
    assert list(minutes.minute_takers.all()) == [other]
    entry = AuditEntry.objects.filter(action="minutes_assign").get()
    assert (entry.before["minute_takers"], entry.after["minute_takers"]) == ([world["taker"].pk], [other.pk])


def test_a_non_notulis_cannot_be_assigned(client, world):
    client.force_login(world["org"])
    coordinator_user = world["users"]["coordinator"]
    client.post(url(world, "tugaskan/"), {"takers": [coordinator_user.pk]})
    assert list(world["minutes"].minute_takers.all()) == []  # only notulis are offered; others are dropped


def test_minutes_list_shows_each_role_what_it_may_see(client, world):
    event = world["event"]
    other_session = make_session(event, title="Panel transformasi Itjen", hour=13)
    open_minutes(other_session, [world["users"]["other_notulis"]], by=world["org"])
    client.force_login(world["taker"])
    page = client.get(f"/e/{event.slug}/notulen/").content.decode()
    assert "Pleno: pencegahan korupsi dan zona integritas" in page
    assert "Panel transformasi Itjen" not in page  # someone else's draft
    client.force_login(world["users"]["scanner"])
    assert client.get(f"/e/{event.slug}/notulen/").status_code == 403


def test_minute_takers_start_page_lists_their_assignments(client, world):
    client.force_login(world["taker"])
    page = client.get("/notulen/").content.decode()
    assert "Pleno: pencegahan korupsi dan zona integritas" in page
    assert f"/e/{world['event'].slug}/notulen/{world['session'].pk}/" in page
    client.force_login(world["users"]["other_notulis"])
    assert "Pleno: pencegahan korupsi dan zona integritas" not in client.get("/notulen/").content.decode()
    client.force_login(world["users"]["scanner"])
    assert client.get("/notulen/").status_code == 403
