"""manage.py verify_attendance EVENT [EVENT …] — recompute the attendance chain; seals nothing."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from attendance.chain import verify_event
from rakor.models import Event

REASONS = {
    "hash_mismatch": lambda: _("isi baris presensi tidak cocok dengan segelnya (baris diubah)"),
    "gap": lambda: _("nomor urut rantai melompat (baris dihapus)"),
    "missing_row": lambda: _("baris presensi yang disegel hilang (baris dihapus)"),
}


class Command(BaseCommand):
    help = ("Periksa rantai hash presensi acara dan sebutkan mata rantai pertama yang rusak. Tidak menyegel apa pun; "
            "keluar dengan kode 1 bila rantai rusak.")

    def add_arguments(self, parser):
        parser.add_argument("events", nargs="+", metavar="EVENT", help="kode acara (slug), misalnya rakorwas-2022")

    def handle(self, *args, events, **options):
        found = {e.slug: e for e in Event.objects.filter(slug__in=events)}
        missing = [slug for slug in events if slug not in found]
        if missing:
            known = ", ".join(Event.objects.values_list("slug", flat=True)[:20]) or "-"
            raise CommandError(_("Acara \"%(event)s\" tidak ditemukan. Acara yang ada: %(known)s") % {
                "event": missing[0], "known": known})
        failed = []
        for slug in events:
            report = verify_event(found[slug])
            if report.broken is None:
                self.stdout.write(self.style.SUCCESS(
                    _("%(event)s: rantai utuh, %(n)d baris presensi tersegel; ujung rantai #%(seq)d %(hash)s") % {
                        "event": slug, "n": report.sealed_ok, "seq": report.head_seq, "hash": report.head_hash}))
            else:
                b = report.broken
                failed.append(slug)
                self.stderr.write(self.style.ERROR(
                    _("%(event)s: RANTAI RUSAK pada mata rantai #%(seq)d, presensi id %(id)s: %(reason)s. "
                      "%(ok)d mata rantai sebelumnya utuh. (%(detail)s)") % {
                        "event": slug, "seq": b.seq, "id": b.checkin_id if b.checkin_id is not None else "-",
                        "reason": REASONS[b.reason](), "ok": report.sealed_ok, "detail": b.detail}))
            if report.unsealed:
                self.stdout.write(_("%(event)s: %(n)d baris presensi belum disegel (tidak diperiksa).") % {
                    "event": slug, "n": report.unsealed})
        if failed:
            raise CommandError(_("Rantai presensi rusak: %(events)s") % {"events": ", ".join(failed)})
