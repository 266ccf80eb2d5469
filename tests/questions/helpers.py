"""Factories of the questions tests: a live session of an event today, participants, a moderator."""

import datetime as dt

from django.utils import timezone

from agenda.models import Session
from questions.models import Question, SessionModerator
from rakor.models import Unit
from tests.factories import EventFactory, ParticipantFactory, RegistrationFactory, UnitFactory, UserFactory


def make_event(**kwargs):
    today = timezone.localdate()
    return EventFactory(start_date=today, end_date=today + dt.timedelta(days=2), **kwargs)


def live_session(event, title="Pleno: penguatan pengawasan berbasis risiko", status=Session.Status.LIVE):
    start = timezone.now() - dt.timedelta(minutes=30)
    return Session.objects.create(event=event, title=title, day=timezone.localdate(), start=start,
                                  end=start + dt.timedelta(hours=2), mode=Session.Mode.HYBRID, status=status)


def participant(event, name="Drs. H. Ahmad Fauzi, M.Pd.", unit="Kankemenag Kab. Tasikmalaya", modes=None):
    p = ParticipantFactory(full_name=name, unit=Unit.objects.filter(name=unit).first() or UnitFactory(name=unit))
    return RegistrationFactory(event=event, participant=p, modes=modes or ["online"] * len(event.days))


def moderator_of(session):
    user = UserFactory(first_name="Moderator", last_name="Sesi")
    SessionModerator.objects.create(session=session, user=user)
    return user


def question(session, registration, text="Bagaimana tindak lanjut temuan BPK tahun lalu?", status="approved", **kw):
    return Question.objects.create(session=session, registration=registration, text=text, status=status, **kw)
