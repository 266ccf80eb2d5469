"""manage.py seal_attendance [EVENT …] — seal the unsealed check-ins now (every event by default)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from attendance.chain import seal_event
from rakor.models import Event


class Command(BaseCommand):
    help = "Segel baris presensi yang belum tersegel ke dalam rantai hash acaranya (semua acara bila tidak disebut)."

    def add_arguments(self, parser):
        parser.add_argument("events", nargs="*", metavar="EVENT", help="kode acara (slug)")

    def handle(self, *args, events, **options):
        qs = Event.objects.order_by("start_date", "pk")
        if events:
            qs = qs.filter(slug__in=events)
            missing = sorted(set(events) - set(qs.values_list("slug", flat=True)))
            if missing:
                raise CommandError(_("Acara \"%(event)s\" tidak ditemukan.") % {"event": missing[0]})
        for event in qs:
            n = seal_event(event)
            self.stdout.write(_("%(event)s: %(n)d baris presensi disegel.") % {"event": event.slug, "n": n})
