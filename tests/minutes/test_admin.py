"""Back office: minutes read-only with their history; follow-ups and sessions changed there are audited."""

import pytest

from minutes.models import ActionItem
from rakor.models import AuditEntry
from tests.factories import EventFactory, UnitFactory, organiser
from tests.minutes.factories_minutes import final_minutes, make_session, notulis

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("after_the_sessions")]  # minutes are finalised after their session


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_minutes_and_follow_ups_in_admin(client):
    event = EventFactory()
    org = organiser()
    unit = UnitFactory()
    minutes = final_minutes(make_session(event), notulis(), org,
                            items=[{"what": "Menyusun rencana aksi", "unit": unit.pk, "due": "2030-01-01"}])
    client.force_login(org)
    assert "Pleno: pencegahan korupsi" in client.get("/admin/minutes/minutes/").content.decode()
    page = client.get(f"/admin/minutes/minutes/{minutes.pk}/change/").content.decode()
    assert "Difinalkan" in page  # the revision history inline
    assert f"/e/{event.slug}/notulen/{minutes.session_id}/" in page
    item = ActionItem.objects.get()
    response = client.post(f"/admin/minutes/actionitem/{item.pk}/change/", {
        "what": "Menyusun rencana aksi", "unit": unit.pk, "due_date": "2030-02-01", "status": "done",
        "progress_note": "Selesai", "evidence-TOTAL_FORMS": "0", "evidence-INITIAL_FORMS": "0"})
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = AuditEntry.objects.filter(model="minutes.actionitem", action="update").get()
    assert (entry.before["status"], entry.after["status"], entry.actor_id) == ("open", "done", org.pk)


def _session_form_data(client, session, event, **changes):
    page = client.get(f"/admin/agenda/session/{session.pk}/change/")
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if hasattr(value, "all"):
            value = [v.pk for v in value.all()]
        elif isinstance(value, (list, tuple)):
            value = [getattr(v, "pk", v) for v in value]
        data[name] = "" if value is None else value
    tz = event.tz
    data.update({"start_0": session.start.astimezone(tz).strftime("%Y-%m-%d"),
                 "start_1": session.start.astimezone(tz).strftime("%H:%M:%S"),
                 "end_0": session.end.astimezone(tz).strftime("%Y-%m-%d"),
                 "end_1": session.end.astimezone(tz).strftime("%H:%M:%S"), "event": event.pk,
                 "day": session.day.isoformat(), **changes})
    data.pop("start", None)
    data.pop("end", None)
    return data


def test_session_changes_in_admin_are_audited(client):
    event = EventFactory()
    org = organiser()
    session = make_session(event)
    client.force_login(org)
    data = _session_form_data(client, session, event, title="Pleno yang diganti judulnya")
    response = client.post(f"/admin/agenda/session/{session.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = AuditEntry.objects.filter(model="agenda.session").get()
    assert (entry.action, entry.before["title"], entry.after["title"]) == (
        "update", "Pleno: pencegahan korupsi dan zona integritas", "Pleno yang diganti judulnya")


def test_a_status_change_in_admin_is_one_audit_entry(client):
    event = EventFactory()
    org = organiser()
    session = make_session(event)
    client.force_login(org)
    data = _session_form_data(client, session, event, status="live")
    response = client.post(f"/admin/agenda/session/{session.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    entries = list(AuditEntry.objects.filter(model="agenda.session").values_list("action", "before", "after"))
    assert [(a, b["status"], c["status"]) for a, b, c in entries] == [("status", "scheduled", "live")]
