"""The periodic job: live at the start, ended after the end and its grace, manual corrections respected."""

import datetime as dt

import pytest
from django.core.management import call_command

from agenda.models import Session
from agenda.services import session_set_status
from agenda.tick import sessions_tick
from tests.factories import EventFactory

from .agenda_helpers import at, make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return EventFactory(start_date=dt.date(2022, 11, 21), end_date=dt.date(2022, 11, 23))


@pytest.fixture
def clock(monkeypatch):
    """The wall clock the status service stamps status_changed_at with, set by each test step."""
    state = {}
    monkeypatch.setattr("agenda.services.timezone.now", lambda: state["now"])

    def set_to(when):
        state["now"] = when
        return when

    return set_to


def statuses():
    return dict(Session.objects.values_list("title", "status"))


def test_tick_sets_live_at_start_and_ends_after_grace(event, clock):
    def tick(hhmm):
        return sessions_tick(now=clock(at(event, 0, hhmm)), grace_minutes=5)

    make_session(event, "Pembukaan", start="15:30", minutes=90)
    make_session(event, "Laporan Irjen", start="17:00", minutes=60)

    assert tick("15:29").went_live == []
    assert statuses() == {"Pembukaan": "scheduled", "Laporan Irjen": "scheduled"}

    tick("15:30")
    assert statuses() == {"Pembukaan": "live", "Laporan Irjen": "scheduled"}

    tick("17:04")  # Pembukaan ended 17:00, grace until 17:05
    assert statuses() == {"Pembukaan": "live", "Laporan Irjen": "live"}

    result = tick("17:05")
    assert statuses() == {"Pembukaan": "ended", "Laporan Irjen": "live"}
    assert len(result.ended) == 1

    assert tick("17:05").ended == []  # idempotent


def test_tick_does_not_start_a_session_whose_end_has_passed(event):
    make_session(event, "Terlewat", start="09:00", minutes=60)
    sessions_tick(now=at(event, 0, "10:30"), grace_minutes=5)
    assert statuses() == {"Terlewat": "scheduled"}


def test_organiser_correction_after_start_is_respected(event, clock):
    session = make_session(event, "Pleno", start="09:00", minutes=120)
    sessions_tick(now=clock(at(event, 0, "09:00")), grace_minutes=5)
    clock(at(event, 0, "09:10"))  # the organiser takes it off air
    session_set_status(session=session, status="scheduled")

    sessions_tick(now=clock(at(event, 0, "09:11")), grace_minutes=5)
    assert statuses() == {"Pleno": "scheduled"}


def test_session_reopened_after_its_end_stays_live(event, clock):
    session = make_session(event, "Pleno", start="09:00", minutes=60, status=Session.Status.ENDED)
    clock(at(event, 0, "10:20"))
    session_set_status(session=session, status="live")

    sessions_tick(now=clock(at(event, 0, "10:30")), grace_minutes=5)
    assert statuses() == {"Pleno": "live"}


def test_tick_broadcasts_like_the_button(event, settings, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("agenda.services.group_send", lambda group, message: sent.append((group, message)))
    session = make_session(event, "Pembukaan", start="15:30")

    with django_capture_on_commit_callbacks(execute=True):
        sessions_tick(now=at(event, 0, "15:31"), grace_minutes=5)

    assert [(g, m["type"], m["session"]["id"], m["session"]["status"]) for g, m in sent] == [
        (f"sessions.{event.slug}", "session.status", session.pk, "live")]


def test_command_and_celery_task(event, capsys):
    from agenda.tasks import TICK_SCHEDULE_NAME, sessions_tick_task
    from rakor.celery import app

    now = dt.datetime.now(dt.timezone.utc)
    Session.objects.create(event=event, title="Sekarang", day=event.days[0], start=now - dt.timedelta(minutes=1),
                           end=now + dt.timedelta(hours=1))
    Session.objects.create(event=event, title="Sudah lewat", day=event.days[0], start=now - dt.timedelta(hours=2),
                           end=now - dt.timedelta(minutes=30), status=Session.Status.LIVE)

    call_command("sessions_tick")

    assert capsys.readouterr().out.strip() == "Sesi disiarkan: 1; sesi diakhiri: 1."
    assert statuses() == {"Sekarang": "live", "Sudah lewat": "ended"}
    assert sessions_tick_task.delay().get() == {"went_live": [], "ended": []}
    assert app.conf.beat_schedule[TICK_SCHEDULE_NAME]["task"] == "sessions_app.tasks.sessions_tick_task"
    assert app.conf.beat_schedule[TICK_SCHEDULE_NAME]["schedule"] == 60.0
