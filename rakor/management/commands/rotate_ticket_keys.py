"""manage.py rotate_ticket_keys [--check] — re-seal every event's ticket signing key under the first key.

Rotation (README, "Settings"): put a new key first in TICKET_KEY_ENCRYPTION_KEYS with the old
ones after it, run this, check with ``--check``, then drop the old keys.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rakor.models import Event
from rakor.services import event_signing_keys_reseal
from rakor.signing import SigningKeyError, sealed_under_first_key


class Command(BaseCommand):
    help = ("Segel ulang kunci penanda tangan tiket setiap acara dengan kunci pertama TICKET_KEY_ENCRYPTION_KEYS "
            "(rotasi kunci). --check hanya memeriksa.")

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true",
                            help="hanya periksa bahwa kunci pertama saja sudah membuka semua kunci acara")

    def handle(self, *args, check: bool, **options):
        if check:
            behind = [e.slug for e in Event.objects.order_by("pk").only("slug", "signing_key")
                      if not sealed_under_first_key(e.signing_key)]
            if behind:
                raise CommandError(_("Belum disegel dengan kunci pertama: %(events)s. Jalankan rotate_ticket_keys.")
                                   % {"events": ", ".join(behind)})
            self.stdout.write(_("Semua kunci acara disegel dengan kunci pertama; kunci lama boleh dihapus."))
            return
        try:
            n = event_signing_keys_reseal()
        except SigningKeyError as exc:
            raise CommandError(str(exc))
        self.stdout.write(ngettext("%(n)d kunci acara disegel ulang dengan kunci pertama TICKET_KEY_ENCRYPTION_KEYS.",
                                   "%(n)d kunci acara disegel ulang dengan kunci pertama TICKET_KEY_ENCRYPTION_KEYS.",
                                   n) % {"n": n})
