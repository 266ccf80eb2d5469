"""manage.py import_participants EVENT FILE [--dry-run] [--user USERNAME] [--header-row N] [--accept-column-warnings]"""

from __future__ import annotations

import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from attendance.forms import PUBLIC_TASK_NOTICE
from attendance.importing import ImportFileError, import_participants
from rakor.models import Event


class Command(BaseCommand):
    help = "Impor peserta dan pendaftarannya untuk satu acara dari berkas .xlsx atau .csv."

    def add_arguments(self, parser):
        parser.add_argument("event", help="kode acara (slug), misalnya rakorwas-2022")
        parser.add_argument("file", help="berkas .xlsx atau .csv")
        parser.add_argument("--dry-run", action="store_true", help="periksa saja, tidak menyimpan apa pun")
        parser.add_argument("--user", help="nama pengguna yang dicatat sebagai pendaftar")
        parser.add_argument("--header-row", type=int, help="nomor baris judul kolom (bawaan: dicari di 15 baris pertama)")
        parser.add_argument("--accept-column-warnings", action="store_true",
                            help="impor walaupun ada kolom mirip nomor HP/e-mail yang tidak dikenal (isinya diabaikan)")

    def handle(self, *args, event, file, dry_run, user, header_row=None, accept_column_warnings=False, **options):
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
        if not dry_run:  # the lawful basis recorded with each new registration is the public task: say so
            self.stderr.write(f"{_('Pemberitahuan pelindungan data pribadi')} "
                              f"({settings.PUBLIC_TASK_NOTICE_VERSION}): {PUBLIC_TASK_NOTICE}")
        try:
            report = import_participants(event=found, source=file, filename=file, dry_run=dry_run, by=by,
                                         header_row=header_row, accept_column_warnings=accept_column_warnings)
        except ImportFileError as exc:
            raise CommandError(exc.message)
        if report.header_top_row:
            self.stdout.write(_("Judul kolom dibaca dari baris %(top)d dan %(row)d (judul dua baris).") % {
                "top": report.header_top_row, "row": report.header_row})
        elif report.header_row != 1:
            self.stdout.write(_("Judul kolom dibaca dari baris %(row)d.") % {"row": report.header_row})
        for note in report.notes:
            self.stdout.write(note)
        for warning in report.column_warnings:
            self.stdout.write(_("Peringatan: %(warning)s") % {"warning": warning})
        if report.column_warnings and dry_run:
            self.stdout.write(_("Untuk mengimpor tanpa isi kolom tersebut, jalankan lagi dengan --accept-column-warnings."))
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
