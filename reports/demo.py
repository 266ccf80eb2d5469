"""The activity report of the archive event for seed_demo: ``seed_activity_report(event=, archive=)``.

Called once per event by seed_demo after every app's own demo data (the report reads them
all). The archive event (``rakorwas-2022``) gets its narrative sections and, when it has no
final version yet, one final version requested like an organiser's, left to be made (and signed)
when an organiser first opens the report page: making it takes from 15 s to more than a minute
(a 75-page PDF), too long for the seed. Idempotent: the narrative is written only where it is
empty, and a final version is requested once.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from rakor.roles import ORGANISER

from . import selectors, services
from .models import ReportVersion

BACKGROUND = """\
Inspektorat Jenderal Kementerian Agama menyelenggarakan Rapat Koordinasi Pengawasan (Rakorwas) setiap \
tahun sebagai forum koordinasi antara Inspektorat Jenderal, unit Eselon I, Kantor Wilayah Kementerian Agama \
provinsi, Balai Diklat Keagamaan dan Balai Litbang dalam menyelaraskan arah pengawasan intern.

Tahun 2022 Rakorwas mengangkat tema **Transformasi Inspektorat Jenderal Menjadi Organisasi yang Adaptif dan \
Agile**, sejalan dengan:

- penguatan peran Aparat Pengawasan Intern Pemerintah (APIP) sebagai *quality assurance* dan *consulting*;
- percepatan pembangunan Zona Integritas menuju WBK/WBBM;
- tindak lanjut hasil pemeriksaan BPK dan pengawasan Inspektorat Jenderal tahun sebelumnya.
"""

OBJECTIVES = """\
Maksud kegiatan ini adalah menyatukan langkah pengawasan intern di lingkungan Kementerian Agama.

Tujuannya:

1. menyampaikan kebijakan pengawasan tahun 2023 kepada seluruh satuan kerja;
2. mengevaluasi tindak lanjut hasil pengawasan dan rekomendasi tahun 2022;
3. menyepakati langkah penguatan Sistem Pengendalian Intern Pemerintah (SPIP) dan manajemen risiko;
4. membangun komitmen bersama pencegahan korupsi dan peningkatan kualitas layanan.
"""

CONCLUSION = """\
Rakorwas 2022 terlaksana sesuai agenda, dibuka oleh Menteri Agama pada Senin, 21 November 2022, dan diikuti \
peserta luring serta daring dari seluruh unit. Keputusan dan tindak lanjut setiap sesi tercantum pada Bab III \
dan dipantau melalui daftar tindak lanjut Rakor.

Saran:

- setiap Kantor Wilayah melaporkan perkembangan tindak lanjut paling lambat akhir triwulan I 2023;
- kehadiran daring Kankemenag Kabupaten/Kota perlu ditingkatkan melalui undangan yang lebih awal;
- Rakorwas berikutnya menyediakan sesi klinik tindak lanjut per wilayah.
"""


def seed_activity_report(*, event, archive: bool) -> None:
    """The archive event's narrative and one final version, made when the report page is first opened."""
    if not archive:
        return
    report = selectors.report_for(event)
    organiser = get_user_model().objects.filter(groups__name=ORGANISER).order_by("pk").first()
    if not (report.background or report.objectives or report.conclusion):
        services.report_save_narrative(event=event, by=organiser, background=BACKGROUND, objectives=OBJECTIVES,
                                       conclusion=CONCLUSION)
    if not report.versions.filter(final=True).exclude(status=ReportVersion.Status.FAILED).exists():
        # Made when the report page is first opened (or by the worker then): the seed stays quick.
        services.report_generation_request(event=event, by=organiser, final=True, defer=True)
