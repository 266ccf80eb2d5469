"""seed_demo's minutes: the archive final with follow-ups, the demo in several states; idempotent."""

import datetime as dt

import pytest

from agenda.demo import seed_demo_event as seed_agenda
from minutes.demo import seed_demo_event as seed_minutes
from minutes.models import ActionItem, Minutes, MinutesRevision
from rakor import demo_data as data
from rakor.models import Unit
from tests.factories import EventFactory, organiser
from tests.minutes.factories_minutes import notulis

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def units():
    for code in ("itjen-sekretariat", "itjen-irwil-1", "itjen-investigasi", "setjen-biro-hukum-kln"):
        Unit.objects.create(name=code, code=code, kind=Unit.Kind.OTHER)
    for p in data.PROVINCES:
        Unit.objects.create(name=data.kanwil_name(p), code=data.kanwil_code(p), kind=Unit.Kind.PROVINCIAL, province=p)


def test_archive_final_minutes_and_demo_in_several_states(units):
    organiser()
    notulis(first_name="Notulis", last_name="Rakorwas")
    archive = EventFactory(slug="rakorwas-2022", start_date=dt.date(2022, 11, 21), end_date=dt.date(2022, 11, 23))
    demo = EventFactory(slug="rakorwas-demo")
    seed_agenda(event=archive, archive=True)
    seed_minutes(event=archive, archive=True)
    seed_agenda(event=demo, archive=False)
    seed_minutes(event=demo, archive=False)

    archived = Minutes.objects.filter(session__event=archive)
    assert archived.count() == 14
    assert set(archived.values_list("status", flat=True)) == {"final"}
    assert all(m.decisions and m.chair_name and m.opened_at for m in archived)
    assert {m.finalised_at.year for m in archived} == {2022}
    items = ActionItem.objects.filter(event=archive)
    assert set(items.values_list("status", flat=True)) == {"done", "in_progress", "open"}
    assert all(i.evidence.exists() for i in items.filter(status="done"))
    corrected = archived.get(session__title="Perumusan rekomendasi Rakorwas 2022")
    assert MinutesRevision.objects.filter(minutes=corrected, kind="correction").count() == 1

    states = list(Minutes.objects.filter(session__event=demo).order_by("session__start", "session__title")
                  .values_list("status", flat=True))
    assert states == ["final", "review", "draft", "draft"]
    carried = ActionItem.objects.filter(event=demo, carried_from__isnull=False)
    assert carried.count() == items.filter(status__in=["open", "in_progress"]).count() > 0

    before = (Minutes.objects.count(), MinutesRevision.objects.count(), ActionItem.objects.count())
    seed_agenda(event=archive, archive=True)
    seed_minutes(event=archive, archive=True)
    seed_agenda(event=demo, archive=False)
    seed_minutes(event=demo, archive=False)
    assert (Minutes.objects.count(), MinutesRevision.objects.count(), ActionItem.objects.count()) == before


def test_without_a_minute_taker_account_no_minutes_are_made(units):
    event = EventFactory()
    seed_agenda(event=event, archive=False)
    seed_minutes(event=event, archive=False)
    assert Minutes.objects.count() == 0
