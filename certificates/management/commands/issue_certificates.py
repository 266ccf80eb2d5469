"""`manage.py issue_certificates EVENT`: issue every earned certificate of an event, with a progress bar.

Resumable: run it again after an interruption and it finishes the job without
numbering anyone twice. Refuses to start while another run for the event is going.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rakor.models import Event


class Command(BaseCommand):
    help = gettext_lazy("Menerbitkan semua sertifikat yang memenuhi syarat untuk satu acara (dapat dilanjutkan).")

    def add_arguments(self, parser):
        parser.add_argument("event", help=gettext_lazy("Kode acara (slug)."))
        parser.add_argument("--processes", type=int, default=None,
                            help=gettext_lazy("Jumlah proses untuk membuat PDF (bawaan: CERTIFICATE_RENDER_PROCESSES)."))
        parser.add_argument("--email", action="store_true",
                            help=gettext_lazy("Kirim e-mail berisi tautan unduhan kepada peserta."))

    def handle(self, *args, event: str, processes=None, email=False, verbosity=1, **options):
        from certificates import services

        event_obj = Event.objects.filter(slug=event).first()
        if event_obj is None:
            raise CommandError(_("Acara %(slug)s tidak ada.") % {"slug": event})
        started = time.monotonic()
        tty = self.stdout.isatty() if hasattr(self.stdout, "isatty") else False
        last = {"shown": -1}

        def progress(run):
            if verbosity < 1 or not run.total:
                return
            width = 40
            filled = width * run.done // run.total
            line = f"[{'#' * filled}{'.' * (width - filled)}] {run.done}/{run.total} ({run.percent}%)"
            if tty:
                self.stdout.write("\r" + line, ending="")
                self.stdout.flush()
            elif run.percent // 10 != last["shown"] or run.done == run.total:
                last["shown"] = run.percent // 10
                self.stdout.write(line)

        try:
            run = services.issue_all(event=event_obj, processes=processes, send_email=email, progress=progress)
        except services.RunBusy as exc:
            raise CommandError(exc.message)
        if tty:
            self.stdout.write("")
        self.stdout.write(_("%(event)s: %(new)d nomor baru, %(done)d PDF dibuat dalam %(seconds).1f detik.") % {
            "event": event_obj.slug, "new": run.allocated, "done": run.done, "seconds": time.monotonic() - started})
