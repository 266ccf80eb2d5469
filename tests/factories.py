"""factory_boy factories shared by every test folder."""

import datetime as dt
import itertools

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from attendance.identity import compose_nip
from attendance.models import Participant, Registration, RegistrationDay, UnitQuota
from rakor.models import Event, StaffProfile, Unit
from rakor.roles import COORDINATOR, ORGANISER, SCANNER

_seq = itertools.count(1)


def valid_nip(gender: str = "L") -> str:
    n = next(_seq)
    return compose_nip(
        birth=dt.date(1970 + n % 25, 1 + n % 12, 1 + n % 28),
        appointed=dt.date(1998 + n % 20, 1 + (n * 7) % 12, 1),
        gender=gender,
        sequence=1 + n % 999,
    )


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"Kantor Wilayah Kementerian Agama Provinsi Uji {n}")
    code = factory.Sequence(lambda n: f"unit-{n}")
    kind = Unit.Kind.PROVINCIAL
    province = factory.Sequence(lambda n: f"Provinsi Uji {n}")


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    slug = factory.Sequence(lambda n: f"rakor-{n}")
    name = factory.Sequence(lambda n: f"Rapat Koordinasi Uji {n}")
    theme = "Transformasi Inspektorat Jenderal Menjadi Organisasi yang Adaptif dan Agile"
    venue = "Hotel Novotel Mangga Dua, Jakarta"
    start_date = factory.LazyFunction(lambda: dt.date.today())
    end_date = factory.LazyAttribute(lambda o: o.start_date + dt.timedelta(days=2))
    wa_service = "+6281234567801"
    wa_complaints = "+6281234567802"
    requires_approval = False
    # Join buttons light at once when a session goes live; the random 0..5 s of production's default would make
    # a browser test that waits for the button race its own timeout. tests/e2e/test_join_jitter_browser.py and
    # tests/agenda/test_socket_connect.py set a spread where the spread is what they test.
    join_spread_seconds = 0


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    full_name = factory.Sequence(lambda n: f"Dr. H. Peserta Uji {n}, M.Ag.")
    id_kind = Participant.IdKind.NIP
    id_number = factory.LazyFunction(valid_nip)
    position = "Kepala Bagian Tata Usaha"
    rank = "Pembina (IV/a)"
    unit = factory.SubFactory(UnitFactory)
    email = factory.Sequence(lambda n: f"peserta{n}@kemenag.go.id")
    whatsapp = "+6281234567890"
    gender = "L"


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration
        skip_postgeneration_save = True

    event = factory.SubFactory(EventFactory)
    participant = factory.SubFactory(ParticipantFactory)
    status = Registration.Status.APPROVED
    channel = Registration.Channel.ORGANISER

    @factory.post_generation
    def modes(self, create, extracted, **kwargs):
        """modes=["in_person", "online", ...] per event day; default in person every day."""
        if not create:
            return
        modes = extracted or [RegistrationDay.Mode.IN_PERSON] * len(self.event.days)
        RegistrationDay.objects.bulk_create(
            [RegistrationDay(registration=self, date=d, mode=m) for d, m in zip(self.event.days, modes)]
        )


class UnitQuotaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitQuota

    event = factory.SubFactory(EventFactory)
    unit = factory.SubFactory(UnitFactory)
    in_person_seats = 2


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.Sequence(lambda n: f"user{n}@kemenag.go.id")
    password = factory.PostGenerationMethodCall("set_password", "rahasia-uji-123")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            for name in extracted:
                self.groups.add(Group.objects.get_or_create(name=name)[0])
        if create:
            self.save()


def organiser(**kwargs):
    return UserFactory(groups=[ORGANISER], is_staff=True, **kwargs)


def coordinator(unit, **kwargs):
    user = UserFactory(groups=[COORDINATOR], **kwargs)
    StaffProfile.objects.create(user=user, unit=unit)
    return user


def scanner(unit=None, **kwargs):
    user = UserFactory(groups=[SCANNER], **kwargs)
    if unit is not None:
        StaffProfile.objects.create(user=user, unit=unit)
    return user
