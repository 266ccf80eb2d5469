"""manage.py import_participants EVENT FILE [--dry-run] [--user USERNAME]"""

from __future__ import annotations

import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from attendance.importing import ImportFileError, import_participants
from rakor.models import Event


class Command(BaseCommand):
    help = "Impor peserta dan pendaftarannya untuk satu acara dari berkas .xlsx atau .csv."

    def add_arguments(self, parser):
        parser.add_argument("event", help="kode acara (slug), misalnya rakorwas-2022")
        parser.add_argument("file", help="berkas .xlsx atau .csv")
        parser.add_argument("--dry-run", action="store_true", help="periksa saja, tidak menyimpan apa pun")
        parser.add_argument("--user", help="nama pengguna yang dicatat sebagai pendaftar")

    def handle(self, *args, event, file, dry_run, user, **options):
        found = Event.objects.filter(slug=event).first()
        if found is None:
            known = ", ".join(Event.objects.values_list("slug", flat=True)[:20]) or "-"
            raise CommandError(_("Acara \"%(event)s\" tidak ditemukan. Acara yang ada: %(known)s") % {
                "event": event, "known": known})
        if not os.path.isfile(file):
            raise CommandError(_("Berkas \"%(file)s\" tidak ditemukan.") % {"file": file})
        by = None
        if user:
            by = get_user_model().objects.filter(username=user).first()
            if by is None:
                raise CommandError(_("Pengguna \"%(user)s\" tidak ditemukan.") % {"user": user})
        try:
            report = import_participants(event=found, source=file, filename=file, dry_run=dry_run, by=by)
        except ImportFileError as exc:
            raise CommandError(exc.message)
        for note in report.notes:
            self.stdout.write(note)
        for line in report.lines():
            self.stdout.write(line)
        values = {"rows": report.rows, "created": report.created, "updated": report.updated,
                  "skipped": report.skipped}
        if dry_run:
            summary = _("Uji coba (tidak ada yang disimpan): %(rows)d baris dibaca, %(created)d akan dibuat, "
                        "%(updated)d akan diperbarui, %(skipped)d dilewati.") % values
        else:
            summary = _("Selesai: %(rows)d baris dibaca, %(created)d dibuat, %(updated)d diperbarui, "
                        "%(skipped)d dilewati.") % values
        self.stdout.write(summary)
