"""`manage.py seed_demo [--participants N]`: the Kemenag unit tree, the Rakorwas 2022 events and demo people.

Idempotent (DESIGN.md, "The demo event"): units are keyed by code, events by slug,
users by username, participants by NIP; whatever already exists is left as it is
(an organiser's edits survive, the demo event is not moved, passwords are not
reset). People come from a fixed-seed generator, so every run finds the same
people in the same order, and a larger N only adds people after them.

Participants are written with bulk_create (100,000 must take minutes, not hours)
instead of `registration_create`, which would also e-mail every fictional person.
The service's invariants are kept here: one participant per NIP, one registration
per participant and event, unit quotas and the event capacity per day (counted
from what is already in the database, so seats taken by real sign-ups count).
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import importlib
import itertools
import random
import zoneinfo
from dataclasses import dataclass
from typing import Iterator

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from attendance.identity import compose_nip
from attendance.models import Participant, Registration, RegistrationDay, UnitQuota
from attendance.quotas import SeatBook
from attendance.selectors import registration_counts
from attendance.services import lawful_basis_fields
from evaluation.demo import seed_demo_evaluation
from rakor import demo_data as data
from rakor.models import Event, StaffProfile, Unit
from rakor.roles import ALL_GROUPS, COORDINATOR, NOTULIS, ORGANISER, SCANNER

SEED = 20221121
WIB = zoneinfo.ZoneInfo("Asia/Jakarta")
BATCH = 2000

Mode = RegistrationDay.Mode
Status = Registration.Status
Role = Registration.Role
Channel = Registration.Channel

ORGANISER_APPS = ("rakor", "agenda", "attendance", "minutes", "certificates")

# username, password, group (None = superuser), unit code, first name, last name, position
LOGINS = [
    ("admin", "rakor-admin-2022", None, None, "Administrator", "Rakor", ""),
    ("panitia", "rakor-panitia-2022", ORGANISER, "itjen-sekretariat", "Panitia", "Rakorwas",
     "Kepala Bagian Umum"),
    ("koordinator.jabar", "rakor-jabar-2022", COORDINATOR, "kanwil-jawa-barat", "Koordinator", "Kanwil Jawa Barat",
     "Kepala Bagian Tata Usaha"),
    ("koordinator.dki", "rakor-dki-2022", COORDINATOR, "kanwil-dki-jakarta", "Koordinator", "Kanwil DKI Jakarta",
     "Kepala Bagian Tata Usaha"),
    ("petugas", "rakor-petugas-2022", SCANNER, "itjen-sekretariat", "Petugas", "Registrasi", "Pranata Komputer"),
    ("notulis", "rakor-notulis-2022", NOTULIS, "itjen-sekretariat", "Notulis", "Rakorwas", "Arsiparis"),
]

EVENT_COMMON = dict(
    theme="Transformasi Inspektorat Jenderal Menjadi Organisasi yang Adaptif dan Agile",
    venue="Hotel Novotel Mangga Dua",
    venue_address="Mangga Dua Square, Jl. Gunung Sahari Raya No. 1, Pademangan, Jakarta Utara 14420",
    time_zone="Asia/Jakarta",
    in_person_capacity=data.IN_PERSON_CAPACITY,
    requires_approval=True,
    wa_service="+6281210212022",
    wa_complaints="+6281310232022",
)
ARCHIVE_SLUG = "rakorwas-2022"
DEMO_SLUG = "rakorwas-demo"
EVENT_DAYS = 3

DEMO_SEAT_LEFT_FOR_COORDINATOR = ("kanwil-jawa-barat", "kanwil-dki-jakarta")
REJECT_REASON = ("Nama dan NIP tidak sesuai dengan surat tugas unit; mohon didaftarkan ulang oleh "
                 "koordinator unit.")
CANCEL_REASON = "Berhalangan hadir karena tugas kedinasan lain."


# ------------------------------------------------------------------ the people generator


@dataclass
class Slot:
    """A seat to fill with a person: where they work, what they do, how they attend."""

    unit: str
    position: str
    rank_lo: str
    rank_hi: str
    role: str = Role.PARTICIPANT
    plan: str = "online"  # "in_person" every day, "kakanwil" (day 1 in person), "online"
    senior: bool = False


@dataclass
class Person:
    nip: str
    full_name: str
    gender: str
    unit: str
    position: str
    rank: str
    email: str
    whatsapp: str
    role: str
    modes: list[str]
    in_archive: bool
    in_demo: bool
    demo_status: str = Status.APPROVED
    demo_reason: str = ""


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    keys = list(weights)
    cumulative = list(itertools.accumulate(weights[k] for k in keys))
    return keys[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]


def head_position(unit_name: str) -> str:
    """"Direktorat X" -> "Direktur X", "Biro X" -> "Kepala Biro X", "Sekretariat X" -> "Sekretaris X"."""
    if unit_name.startswith("Direktorat "):
        return "Direktur " + unit_name[len("Direktorat "):]
    if unit_name.startswith("Sekretariat "):
        return "Sekretaris " + unit_name[len("Sekretariat "):]
    return "Kepala " + unit_name


class PeopleGenerator:
    """Deterministic stream of realistic people (fixed seed; the n-th person never changes)."""

    def __init__(self, rows):
        self.rows = {r[0]: r for r in rows}  # code -> (code, name, short, kind, parent, province)
        self.children: dict[str, list[str]] = {}
        for code, _name, _short, _kind, parent, _prov in rows:
            if parent:
                self.children.setdefault(parent, []).append(code)
        self.rng = random.Random(SEED)
        self.nips: set[str] = set()
        self.emails: set[str] = set()
        self.demo_online = 0

    # -- where people sit

    def in_person_slots(self) -> list[Slot]:
        rows = self.rows
        itjen = [
            Slot("itjen", "Inspektur Jenderal", "IV/d", "IV/e", Role.SPEAKER, "in_person", True),
            Slot("itjen-sekretariat", "Sekretaris Inspektorat Jenderal", "IV/c", "IV/d", Role.COMMITTEE, "in_person",
                 True),
            Slot("itjen-irwil-1", "Inspektur Wilayah I", "IV/c", "IV/d", Role.PARTICIPANT, "in_person", True),
            Slot("itjen-irwil-2", "Inspektur Wilayah II", "IV/c", "IV/d", Role.MODERATOR, "in_person", True),
            Slot("itjen-irwil-3", "Inspektur Wilayah III", "IV/c", "IV/d", Role.PARTICIPANT, "in_person", True),
            Slot("itjen-irwil-4", "Inspektur Wilayah IV", "IV/c", "IV/d", Role.MODERATOR, "in_person", True),
            Slot("itjen-investigasi", "Inspektur Investigasi", "IV/c", "IV/d", Role.PARTICIPANT, "in_person", True),
            Slot("itjen-sekretariat", "Kepala Bagian Umum", "IV/a", "IV/b", Role.COMMITTEE, "in_person"),
        ]
        for code in ("itjen-irwil-1", "itjen-irwil-2", "itjen-irwil-3", "itjen-irwil-4", "itjen-investigasi"):
            itjen.append(Slot(code, "Auditor Madya", "IV/a", "IV/c", plan="in_person"))
            itjen.append(Slot(code, "Auditor Muda", "III/c", "III/d", plan="in_person"))
            if code != "itjen-investigasi":
                itjen.append(Slot(code, "Auditor Madya", "IV/a", "IV/c", plan="in_person"))
                itjen.append(Slot(code, "Auditor Muda", "III/c", "III/d", plan="in_person"))
                itjen.append(Slot(code, "Auditor Pertama", "III/a", "III/b", Role.COMMITTEE, "in_person"))
        for position, lo, hi in [("Pranata Komputer Ahli Muda", "III/c", "III/d"),
                                 ("Pranata Hubungan Masyarakat Ahli Muda", "III/c", "III/d"),
                                 ("Analis Pengelolaan Keuangan APBN Ahli Muda", "III/c", "III/d"),
                                 ("Arsiparis Ahli Pertama", "III/a", "III/b")]:
            itjen.append(Slot("itjen-sekretariat", position, lo, hi, Role.COMMITTEE, "in_person"))

        kanwil = []
        for province in data.PROVINCES:
            code = data.kanwil_code(province)
            kanwil.append(Slot(code, "Kepala " + rows[code][1], "IV/c", "IV/d", plan="kakanwil", senior=True))
            kanwil.append(Slot(code, "Kepala Bagian Tata Usaha", "IV/a", "IV/b", plan="in_person"))

        echelon = []
        for code, name, _short in data.ECHELON_I:
            if code == "itjen":
                continue
            seats = data.QUOTA_BY_KIND["echelon_1"]
            slots = []
            if code == "setjen":
                slots.append(Slot(code, "Sekretaris Jenderal", "IV/d", "IV/e", Role.SPEAKER, "in_person", True))
            subunits = [c for c in self.children.get(code, []) if rows[c][3] == "other"]
            secretariat = next((c for c in subunits if c.endswith("-sekretariat")), None)
            if secretariat:
                slots.append(Slot(secretariat, head_position(rows[secretariat][1]), "IV/c", "IV/d",
                                  plan="in_person", senior=True))
            for sub in subunits:
                if sub != secretariat and len(slots) < seats:
                    slots.append(Slot(sub, head_position(rows[sub][1]), "IV/c", "IV/d", plan="in_person",
                                      senior=True))
            for position in ("Kepala Bagian Perencanaan", "Kepala Bagian Umum", "Kepala Bagian Keuangan"):
                if len(slots) < seats:
                    slots.append(Slot(secretariat or code, position, "IV/a", "IV/b", plan="in_person"))
            echelon.extend(slots[:seats])

        balai = [
            Slot(code, "Kepala " + rows[code][1], "IV/a", "IV/b", plan="in_person", senior=True)
            for code in rows if rows[code][3] in ("training", "research")
        ]
        # Round-robin over the groups, so even a small N shows every kind of in-person guest.
        ordered: list[Slot] = []
        groups = [itjen, kanwil, echelon, balai]
        take = [3, 4, 2, 1]  # Kakanwil and Kabag TU arrive in pairs
        while any(groups):
            for group, n in zip(groups, take):
                ordered.extend(group[:n])
                del group[:n]
        return ordered

    def online_slots(self) -> Iterator[Slot]:
        rows = self.rows
        by_kind: dict[str, list[str]] = {}
        for code, (_c, _n, _s, kind, parent, _p) in rows.items():
            if kind == "other":
                kind = "itjen" if parent == "itjen" else "central"
            elif kind == "echelon_1":
                kind = "itjen" if code == "itjen" else "central"
            by_kind.setdefault(kind, []).append(code)
        districts = list(by_kind["district"])
        weights = {"district": 50, "provincial": 25, "central": 12, "itjen": 5, "training": 5, "research": 3}
        heads = iter(districts)
        counter = itertools.count()
        while True:
            if next(counter) % 3 == 0:
                code = next(heads, None)
                if code is not None:
                    yield Slot(code, "Kepala " + rows[code][1], "IV/a", "IV/b", senior=True)
                    continue
            kind = _weighted(self.rng, weights)
            code = self.rng.choice(by_kind[kind])
            positions = data.STAFF_POSITIONS[kind]
            position, lo, hi, _w = positions[
                bisect.bisect_right(list(itertools.accumulate(p[3] for p in positions)),
                                    self.rng.random() * sum(p[3] for p in positions))
            ]
            yield Slot(code, position, lo, hi)

    # -- who they are

    def _culture(self, slot: Slot) -> str:
        for keyword, religion in data.RELIGION_BY_KEYWORD:
            if keyword in slot.position:
                return _weighted(self.rng, data.CULTURES_BY_RELIGION[religion])
        code = slot.unit
        top = code
        while self.rows[top][4]:
            top = self.rows[top][4]
        religion = {"ditjen-bimas-kristen": "kristen", "ditjen-bimas-katolik": "katolik",
                    "ditjen-bimas-hindu": "hindu", "ditjen-bimas-buddha": "buddha"}.get(top)
        if religion and self.rng.random() < 0.85:
            return _weighted(self.rng, data.CULTURES_BY_RELIGION[religion])
        province = self.rows[code][5]
        return _weighted(self.rng, data.CULTURES_BY_PROVINCE.get(province, data.DEFAULT_CULTURES))

    def _name(self, culture: str, gender: str) -> tuple[str, str]:
        """(name without titles, e-mail local part)."""
        rng = self.rng
        c = data.CULTURES[culture]
        sex = "male" if gender == "L" else "female"
        if c.get("balinese"):
            given = rng.choice(c[sex])
            r = rng.random()
            if gender == "L":
                prefix = ("Ida Bagus" if r < 0.08 else "I Gusti Ngurah" if r < 0.15 else "Anak Agung" if r < 0.2
                          else "I " + rng.choice(data.BALINESE_ORDER_MALE))
            else:
                prefix = ("Ida Ayu" if r < 0.08 else "Gusti Ayu" if r < 0.15
                          else "Ni " + rng.choice(data.BALINESE_ORDER_FEMALE))
            name = f"{prefix} {given}"
            local = name.removeprefix("I ").removeprefix("Ni ")
        elif c.get("marga"):
            first = rng.choice(c[sex])
            family = rng.choice(c["family"])
            name = f"{first} {family}"
            local = name
        else:
            first = rng.choice(c[sex])
            second = rng.choice(c["second_" + sex])
            if first == second:
                second = c["second_" + sex][0]
            name = f"{first} {second}"
            local = name.replace("Muh.", "Muhammad").replace("St.", "Sitti")
        local = ".".join(w for w in "".join(ch if ch.isalpha() or ch == " " else "" for ch in local.lower()).split())
        return name, local

    def _titles(self, *, name: str, religion: str, rank: int, born: int, gender: str, slot: Slot) -> str:
        rng = self.rng
        iv_c, iv_a, iii_c = data.R["IV/c"], data.R["IV/a"], data.R["III/c"]
        doctor = rng.random() < (0.35 if rank >= iv_c else 0.12 if rank >= iv_a else 0.03)
        technical = "Pranata Komputer" in slot.position or slot.unit.startswith("bpjph")
        engineer = not doctor and technical and rng.random() < 0.3
        old_degree = not doctor and not engineer and born <= 1968 and rng.random() < 0.4
        prefixes = []
        if doctor:
            prefixes.append("Dr.")
        elif engineer:
            prefixes.append("Ir.")
        elif old_degree:
            prefixes.append("Drs." if gender == "L" else "Dra.")
        if religion == "islam" and rng.random() < (0.45 if born <= 1975 else 0.2):
            prefixes.append("H." if gender == "L" else "Hj.")
        auditor = slot.unit.startswith("itjen") and "Auditor" in slot.position
        fields = data.ENGINEER_DEGREES if engineer else data.AUDITOR_DEGREES if auditor else data.DEGREES[religion]
        bachelor, masters = rng.choice(fields)
        suffixes = []
        has_master = doctor or rng.random() < (0.85 if rank >= iv_a else 0.5 if rank >= iii_c else 0.15)
        has_bachelor = rank >= data.R["III/a"] or rng.random() < 0.3
        # "Ir." and "Drs." stand for the first degree; a doctor often writes only the master's.
        if has_bachelor and not engineer and not old_degree and not (doctor and rng.random() < 0.7):
            suffixes.append(bachelor)
        if has_master and (has_bachelor or doctor):
            suffixes.append(rng.choice(masters))
        if auditor and rng.random() < 0.3:
            suffixes.append(rng.choice(data.AUDITOR_CERTIFICATES))
        full = " ".join(prefixes + [name])
        return f"{full}, {', '.join(suffixes)}" if suffixes else full

    def _dates(self, rank: int) -> tuple[dt.date, dt.date]:
        """Birth 1965–1995, appointed at 22–35, with enough years of service for the rank."""
        rng = self.rng
        min_service = (rank - data.R["III/a"]) * 3 if rank >= data.R["III/a"] else rank * 3
        service = rng.randint(min_service, min(min_service + 12, 2021 - 1965 - 22))
        appointed_year = 2021 - service
        age = rng.randint(max(22, appointed_year - 1995), min(35, appointed_year - 1965))
        born_year = appointed_year - age
        born_month = rng.randint(1, 12)
        born = dt.date(born_year, born_month, rng.randint(1, calendar.monthrange(born_year, born_month)[1]))
        appointed = dt.date(appointed_year, rng.randint(1, 12), 1)
        return born, appointed

    def person(self, slot: Slot) -> Person:
        rng = self.rng
        gender = "L" if rng.random() < (0.75 if slot.senior else 0.58) else "P"
        culture = self._culture(slot)
        religion = data.CULTURES[culture]["religion"]
        rank = rng.randint(data.R[slot.rank_lo], data.R[slot.rank_hi])
        born, appointed = self._dates(rank)
        while True:
            nip = compose_nip(birth=born, appointed=appointed, gender=gender, sequence=rng.randint(1, 999))
            if nip not in self.nips:
                self.nips.add(nip)
                break
        name, local = self._name(culture, gender)
        email, n = local, 1
        while email in self.emails:
            n += 1
            email = f"{local}{n}"
        self.emails.add(email)
        prefix = rng.choice(["811", "812", "813", "821", "822", "823", "852", "853", "815", "856", "857", "817",
                             "818", "819", "877", "878", "896", "895", "881", "882"])
        whatsapp = f"+62{prefix}{rng.randint(0, 10**8 - 1):08d}"
        if slot.plan == "in_person":
            modes = [Mode.IN_PERSON] * EVENT_DAYS
        elif slot.plan == "kakanwil":
            modes = [Mode.IN_PERSON] + [Mode.IN_PERSON if rng.random() < 0.5 else Mode.ONLINE
                                        for _ in range(EVENT_DAYS - 1)]
        else:
            modes = [Mode.ONLINE] * EVENT_DAYS
        person = Person(
            nip=nip,
            full_name=self._titles(name=name, religion=religion, rank=rank, born=born.year, gender=gender, slot=slot),
            gender=gender, unit=slot.unit, position=slot.position, rank=data.RANKS[rank],
            email=f"{email}@kemenag.go.id", whatsapp=whatsapp, role=slot.role, modes=modes,
            in_archive=True, in_demo=True,
        )
        r = rng.random()
        if slot.plan == "online":
            # Some staff came in 2022 and not to the demo, and the other way round.
            person.in_archive, person.in_demo = r >= 0.06, r < 0.06 or r >= 0.12
            if person.in_demo:
                k = self.demo_online
                self.demo_online += 1
                if k in (4, 17):
                    person.demo_status, person.demo_reason = Status.REJECTED, REJECT_REASON
                elif k == 9:
                    person.demo_status, person.demo_reason = Status.CANCELLED, CANCEL_REASON
                elif rng.random() < 0.05:
                    person.demo_status = Status.PENDING
        elif slot.unit in DEMO_SEAT_LEFT_FOR_COORDINATOR and slot.position == "Kepala Bagian Tata Usaha":
            # Their coordinator registers them in the demo: one in-person seat is left free for that.
            person.in_demo = False
        elif r < 0.03 and slot.role == Role.PARTICIPANT:
            person.demo_status = Status.PENDING
        return person

    def people(self, n: int) -> list[Person]:
        """The first people until each event has n of them."""
        in_person = iter(self.in_person_slots())
        online = self.online_slots()
        result: list[Person] = []
        archive = demo = 0
        pattern = itertools.cycle([True, True, False])  # two in-person guests, then one online
        while archive < n or demo < n:
            slot = next(in_person, None) if next(pattern) else None
            person = self.person(slot or next(online))
            archive_takes, demo_takes = person.in_archive and archive < n, person.in_demo and demo < n
            if not (archive_takes or demo_takes):
                continue
            person.in_archive, person.in_demo = archive_takes, demo_takes
            archive += archive_takes
            demo += demo_takes
            result.append(person)
        return result


# ------------------------------------------------------------------ the command


class Command(BaseCommand):
    help = gettext_lazy("Mengisi data demo: pohon unit Kemenag, acara Rakorwas 2022 dan demo, akun, serta peserta.")

    def add_arguments(self, parser):
        parser.add_argument("--participants", type=int, default=300,
                            help=gettext_lazy("Jumlah peserta per acara (bawaan 300)."))

    def handle(self, *args, participants: int, verbosity: int = 1, **options):
        if participants < 0:
            raise CommandError(_("--participants tidak boleh negatif."))
        self.verbosity = verbosity
        with transaction.atomic():
            units = self.ensure_units()
            users = self.ensure_users(units)
            archive, demo = self.ensure_events(units)
        people = PeopleGenerator(data.unit_rows()).people(participants)
        with transaction.atomic():
            pks = self.ensure_participants(people, units)
            for event, member in ((archive, "in_archive"), (demo, "in_demo")):
                self.ensure_registrations(event, [p for p in people if getattr(p, member)], pks, units, users)
        for event in (archive, demo):
            self.run_app_hooks(event, archive=event is archive)
        seed_demo_evaluation(archive, demo)
        if connection.vendor == "postgresql":
            # Bulk-loaded tables: fresh planner statistics now, not at autovacuum's next round.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.report(users, (archive, demo))

    def note(self, text: str) -> None:
        if self.verbosity >= 2:
            self.stdout.write(text)

    # -- units, users, events

    def ensure_units(self) -> dict[str, Unit]:
        """Add the units that are missing (by code); existing units stay as the organiser left them."""
        units = {u.code: u for u in Unit.objects.all()}
        created = 0
        for order, (code, name, short, kind, parent, province) in enumerate(data.unit_rows(), start=1):
            if code in units:
                continue
            units[code] = Unit.objects.create(
                code=code, name=name, short_name=short, kind=kind, parent=units.get(parent) if parent else None,
                province=province, sort_order=order * 10,
            )
            created += 1
        self.note(_("Unit baru: %(n)d") % {"n": created})
        return units

    def ensure_users(self, units: dict[str, Unit]) -> dict:
        groups = {name: Group.objects.get_or_create(name=name)[0] for name in ALL_GROUPS}
        perms = Permission.objects.filter(
            Q(content_type__app_label__in=ORGANISER_APPS) | Q(content_type__app_label="auth", codename="view_user")
        )
        groups[ORGANISER].permissions.add(*perms)
        User = get_user_model()
        users = {}
        for username, password, group, unit_code, first, last, position in LOGINS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(username=username, first_name=first, last_name=last,
                            email=f"{username.replace('.', '-')}@demo.rakor.invalid")
                user.set_password(password)
                user.is_superuser = group is None
                user.is_staff = group in (None, ORGANISER)  # /admin/ is the organisers' back office
                user.save()
                self.note(_("Akun baru: %(u)s") % {"u": username})
            if group is not None:
                user.groups.add(groups[group])
            if unit_code and unit_code in units and not StaffProfile.objects.filter(user=user).exists():
                StaffProfile.objects.create(user=user, unit=units[unit_code], position=position)
            users[username] = user
        return users

    def ensure_events(self, units: dict[str, Unit]) -> tuple[Event, Event]:
        """Create the two events if missing; an existing event is never changed (the demo is not moved)."""
        def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
            return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=WIB)

        archive = Event.objects.filter(slug=ARCHIVE_SLUG).first()
        if archive is None:
            archive = Event.objects.create(
                slug=ARCHIVE_SLUG, name="Rapat Koordinasi Pengawasan (Rakorwas) 2022",
                organiser_unit=units.get("itjen"), start_date=dt.date(2022, 11, 21), end_date=dt.date(2022, 11, 23),
                registration_opens=at(dt.date(2022, 11, 1), 8), registration_closes=at(dt.date(2022, 11, 18), 23, 59),
                **EVENT_COMMON,
            )
        demo = Event.objects.filter(slug=DEMO_SLUG).first()
        if demo is None:
            today = timezone.now().astimezone(WIB).date()
            end = today + dt.timedelta(days=EVENT_DAYS - 1)
            demo = Event.objects.create(
                slug=DEMO_SLUG, name="Rapat Koordinasi Pengawasan (Rakorwas) 2022 — Demo",
                organiser_unit=units.get("itjen"), start_date=today, end_date=end,
                registration_opens=at(today - dt.timedelta(days=14), 8), registration_closes=at(end, 23, 59),
                **EVENT_COMMON,
            )
        for event in (archive, demo):
            existing = set(UnitQuota.objects.filter(event=event).values_list("unit_id", flat=True))
            new = []
            for unit in units.values():
                seats = data.QUOTA_ITJEN if unit.code == "itjen" else data.QUOTA_BY_KIND.get(unit.kind)
                if seats and unit.pk not in existing and unit.code in _SEED_CODES:
                    new.append(UnitQuota(event=event, unit=unit, in_person_seats=seats))
            UnitQuota.objects.bulk_create(new)
        return archive, demo

    # -- participants and registrations

    def ensure_participants(self, people: list[Person], units: dict[str, Unit]) -> dict[str, int]:
        """NIP -> participant pk; creates only people whose NIP is not known yet."""
        known = dict(Participant.objects.filter(id_kind=Participant.IdKind.NIP).values_list("id_number", "pk"))
        new = [
            Participant(full_name=p.full_name, id_kind=Participant.IdKind.NIP, id_number=p.nip, position=p.position,
                        rank=p.rank, unit=units[p.unit], email=p.email, whatsapp=p.whatsapp, gender=p.gender)
            for p in people if p.nip not in known and p.unit in units
        ]
        if new:
            Participant.objects.bulk_create(new, batch_size=BATCH)
            known = dict(Participant.objects.filter(id_kind=Participant.IdKind.NIP).values_list("id_number", "pk"))
        self.note(_("Peserta baru: %(n)d") % {"n": len(new)})
        return known

    def ensure_registrations(self, event: Event, people: list[Person], pks: dict[str, int],
                             units: dict[str, Unit], users: dict) -> None:
        registered = set(Registration.objects.filter(event=event).values_list("participant_id", flat=True))
        todo = [p for p in people if p.nip in pks and pks[p.nip] not in registered]
        if not todo:
            return
        seats = SeatBook(event)  # the services' seat rule; a full day becomes online here
        archive = event.slug == ARCHIVE_SLUG
        now = timezone.now()
        organiser = users.get("panitia")
        coordinators = {u.rakor_profile.unit.path: u for u in users.values()
                        if u.groups.filter(name=COORDINATOR).exists() and hasattr(u, "rakor_profile")}
        consent_text = _consent_text()
        registrations, day_rows = [], []
        for person in todo:
            unit = units[person.unit]
            status = Status.APPROVED if archive else person.demo_status
            reason = "" if archive else person.demo_reason
            modes = list(person.modes)
            if status in Registration.ACTIVE_STATUSES:
                modes = list(seats.take(unit, dict(zip(event.days, modes))).values())
            coordinator = next((u for path, u in coordinators.items() if unit.path.startswith(path)), None)
            in_person = Mode.IN_PERSON in modes
            if coordinator is not None and (in_person or unit.kind == Unit.Kind.DISTRICT):
                channel, by = Channel.COORDINATOR, coordinator
            elif in_person:
                channel, by = Channel.ORGANISER, organiser
            else:
                channel, by = Channel.SELF, None
            registrations.append(Registration(
                event=event, participant_id=pks[person.nip], role=person.role, status=status, status_reason=reason,
                status_changed_at=None if status == Status.PENDING else now,
                status_changed_by=None if status == Status.PENDING else organiser,
                channel=channel, registered_by=by,
                consent_text=consent_text if channel == Channel.SELF else "",
                consent_version=settings.CONSENT_VERSION if channel == Channel.SELF else "",
                consent_at=now if channel == Channel.SELF else None,
                **lawful_basis_fields(channel=channel, consent_text=consent_text if channel == Channel.SELF else "",
                                      now=now),
            ))
            day_rows.append(modes)
        Registration.give_fresh_short_codes(registrations)
        Registration.objects.bulk_create(registrations, batch_size=BATCH)
        reg_pk = dict(Registration.objects.filter(event=event).values_list("participant_id", "pk"))
        days = [connection.ops.adapt_datefield_value(day) for day in event.days]
        _insert_days(
            (reg_pk[r.participant_id], day, mode)
            for r, modes in zip(registrations, day_rows) for day, mode in zip(days, modes)
        )
        self.note(_("%(event)s: pendaftaran baru %(n)d") % {"event": event.slug, "n": len(registrations)})

    # -- other apps' demo data (agenda, minutes, certificates)

    def run_app_hooks(self, event: Event, *, archive: bool) -> None:
        """Let the other apps add their part of the demo: `<app>.demo.seed_demo_event(event=, archive=)`,
        then `<app>.demo.seed_demo_finish(event=, archive=)` where an app has one.

        A hook must be idempotent as this command is. Apps without a `demo` module are skipped.
        """
        modules = []
        for app in ("agenda", "minutes", "attendance", "certificates", "invitations", "questions"):
            try:
                modules.append(importlib.import_module(f"{app}.demo"))
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
        # `seed_demo_event` in that order, then `seed_demo_finish` for what needs the others' data.
        for name in ("seed_demo_event", "seed_demo_finish"):
            for module in modules:
                hook = getattr(module, name, None)
                if hook is not None:
                    hook(event=event, archive=archive)
        importlib.import_module("reports.demo").seed_activity_report(event=event, archive=archive)  # reads them all

    # -- what the newcomer needs to start

    def report(self, users: dict, events) -> None:
        out = self.stdout.write
        site = settings.SITE_URL
        out(_("Akun demo (nama pengguna / kata sandi / peran / unit):"))
        roles = {None: _("superuser"), ORGANISER: _("panitia (organiser)"), COORDINATOR: _("koordinator unit"),
                 SCANNER: _("petugas registrasi (scanner)"), NOTULIS: _("notulis")}
        for username, password, group, unit_code, *_rest in LOGINS:
            user = users[username]
            profile = StaffProfile.objects.filter(user=user).select_related("unit").first()
            unit = profile.unit.name if profile else "—"
            out(f"  {username} / {password} / {roles[group]} / {unit}")
        out("")
        out(_("Halaman admin: %(url)s") % {"url": f"{site}/admin/"})
        for event in events:
            counts = registration_counts(event)
            out("")
            out(f"{event.name} [{event.slug}] — " + _("%(start)s s.d. %(end)s") % {
                "start": formats.date_format(event.start_date, "l, j F Y"),
                "end": formats.date_format(event.end_date, "l, j F Y")})
            out("  " + _("Halaman acara: %(url)s") % {"url": f"{site}/e/{event.slug}/"})
            out("  " + _("Pendaftaran: %(total)d (disetujui %(approved)d, menunggu %(pending)d, ditolak %(rejected)d, "
                         "dibatalkan %(cancelled)d)") % counts)
            approved = (Registration.objects.filter(event=event, status=Status.APPROVED)
                        .select_related("participant__unit").order_by("pk"))
            in_person = approved.filter(days__mode=Mode.IN_PERSON).distinct()
            online = approved.exclude(days__mode=Mode.IN_PERSON)
            for label, qs in ((_("Portal peserta luring:"), in_person), (_("Portal peserta daring:"), online)):
                out("  " + label)
                for registration in qs[:3]:
                    participant = registration.participant
                    unit = participant.unit.short_name or participant.unit.name
                    out(f"    {participant.full_name} — {participant.position}, {unit}")
                    out(f"      {site}{registration.portal_path}")


_SEED_CODES = {row[0] for row in data.unit_rows()}


def _insert_days(rows) -> None:
    """RegistrationDay rows (registration id, date, mode) with executemany.

    Three plain columns, up to three rows per registration: building 300,000 model
    instances for bulk_create cost most of a large seed, so these go in directly.
    """
    meta = RegistrationDay._meta
    columns = ", ".join(connection.ops.quote_name(meta.get_field(f).column) for f in ("registration", "date", "mode"))
    sql = f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) VALUES (%s, %s, %s)"
    with connection.cursor() as cursor:
        for batch in _chunks(rows, BATCH * 5):
            cursor.executemany(sql, batch)


def _chunks(rows, size):
    rows = iter(rows)
    while chunk := list(itertools.islice(rows, size)):
        yield chunk


def _consent_text() -> str:
    try:
        from attendance.forms import CONSENT_TEXT
    except ImportError:  # pragma: no cover - forms are part of the project
        return ""
    return str(CONSENT_TEXT)
