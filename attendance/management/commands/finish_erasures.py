"""manage.py finish_erasures: carry earlier erasures to every place a person's data lived.

Versions before the complete erasure (issue 19) blanked a person's record but left their
name on certificates and in certificate PDFs, meeting-report lines, the admin history and
free text. Run once after upgrading: it runs ``attendance.services.participant_erase``
again for every person already erased, which finishes the job with what is left of them
(the name their certificates carry). Idempotent: a second run changes nothing.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from attendance.models import Participant
from attendance.services import participant_erase
from rakor.models import AuditEntry


class Command(BaseCommand):
    help = "Selesaikan penghapusan data peserta yang dihapus oleh versi sebelumnya (sertifikat, PDF, laporan rapat)."

    def handle(self, *args, **options):
        finished = 0
        for participant in Participant.objects.filter(anonymised_at__isnull=False).order_by("pk").iterator():
            # participant_erase records an "anonymise" entry only when it changed something.
            entries = AuditEntry.objects.filter(model="attendance.participant", object_id=str(participant.pk),
                                                action="anonymise")
            before = entries.count()
            participant_erase(participant=participant)
            finished += entries.count() > before
        self.stdout.write(_("%(n)d peserta yang sudah dihapus kini terhapus di semua tempat.") % {"n": finished})
