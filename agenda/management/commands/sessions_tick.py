"""`manage.py sessions_tick`: the periodic job without Celery beat (cron: `* * * * *`)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agenda.tick import end_grace_minutes, sessions_tick


class Command(BaseCommand):
    help = gettext_lazy("Menyiarkan (live) sesi yang sudah tiba waktunya dan mengakhiri sesi yang sudah lewat waktunya.")

    def add_arguments(self, parser):
        parser.add_argument("--grace", type=int, default=None,
                            help=gettext_lazy("Menit kelonggaran sesudah waktu selesai sebelum sesi diakhiri "
                                              "(bawaan: SESSIONS_END_GRACE_MINUTES, 5)."))

    def handle(self, *args, grace=None, verbosity=1, **options):
        result = sessions_tick(grace_minutes=end_grace_minutes() if grace is None else max(grace, 0))
        if verbosity:
            self.stdout.write(_("Sesi disiarkan: %(live)d; sesi diakhiri: %(ended)d.") % {
                "live": len(result.went_live), "ended": len(result.ended)})
            for pk, reason in result.refused:
                self.stderr.write(_("Sesi %(pk)d tidak diubah: %(reason)s") % {"pk": pk, "reason": reason})
