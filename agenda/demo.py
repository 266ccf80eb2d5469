"""The Rakorwas agenda for seed_demo (``seed_demo_event(event=, archive=)``).

Idempotent: a session is keyed by (event, title, day); an existing one is left as it
is (an organiser's edits survive, and the demo agenda is not moved on a later run).
Speakers are named by position only. The split of provinces between the Inspektorat
Wilayah breakouts is an example for the demo, not the official assignment.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import transaction
from django.utils import timezone

from rakor import demo_data as data
from rakor.models import Event, Unit

from .models import Session

K, M = Session.Kind, Session.Mode
BALLROOM = "Ballroom Novotel (ruang utama)"
ROOMS = {"I": "Ruang Mangga 1", "II": "Ruang Mangga 2", "III": "Ruang Dua 1", "IV": "Ruang Dua 2",
         "INV": "Ruang Rapat Eksekutif"}
REGIONS = {  # demo grouping of the Kanwil for the breakouts (see module docstring)
    "I": data.PROVINCES[0:10],
    "II": data.PROVINCES[10:17],
    "III": data.PROVINCES[17:25],
    "IV": data.PROVINCES[25:],
}


def _zoom(key: str) -> tuple[str, str]:
    digest = hashlib.sha256(key.encode()).hexdigest()
    meeting_id = str(int(digest[:12], 16))[:11].rjust(11, "8")
    pwd = digest[12:44]
    passcode = str(int(digest[44:52], 16))[:6].rjust(6, "2")
    return f"https://zoom.us/j/{meeting_id}?pwd={pwd}", passcode


def _youtube(key: str) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    digest = hashlib.sha256(("yt" + key).encode()).digest()
    return "https://www.youtube.com/watch?v=" + "".join(alphabet[b % 64] for b in digest[:11])


# (day index, start "HH:MM", minutes, title, kind, mode, room, extra)
PROGRAMME = [
    (0, "13:00", 120, "Registrasi dan check-in peserta luring", K.CEREMONY, M.IN_PERSON, "Lobi Ballroom Novotel",
     {"description": "Peserta luring menunjukkan tiket QR kepada petugas registrasi. Peserta daring tidak perlu "
                     "registrasi ulang: tautan bergabung tampil di portal pribadi."}),
    (0, "15:30", 90, "Pembukaan Rakorwas 2022 oleh Menteri Agama", K.PLENARY, M.HYBRID, BALLROOM,
     {"description": "Laporan Ketua Panitia, sambutan dan pembukaan resmi Rapat Koordinasi Pengawasan 2022.",
      "guest_speakers": "Menteri Agama Republik Indonesia", "moderator_name": "Pembawa acara panitia",
      "zoom": True, "stream": True}),
    (0, "17:00", 60, "Laporan Inspektur Jenderal: hasil pengawasan 2022", K.PLENARY, M.HYBRID, BALLROOM,
     {"description": "Capaian pengawasan, temuan berulang dan tindak lanjut hasil pemeriksaan di lingkungan "
                     "Kementerian Agama.",
      "guest_speakers": "Inspektur Jenderal Kementerian Agama", "moderator_name": "Sekretaris Inspektorat Jenderal",
      "zoom": True, "stream": True}),
    (0, "18:00", 90, "Rehat, salat dan makan malam", K.BREAK, M.IN_PERSON, "Restoran Novotel", {}),
    (0, "19:30", 120, "Pleno: pengawasan intern dan akuntabilitas keuangan negara", K.PLENARY, M.HYBRID, BALLROOM,
     {"description": "Arah pengawasan intern pemerintah dan penguatan SPIP di Kementerian Agama.",
      "guest_speakers": "Deputi Bidang Pengawasan, Badan Pengawasan Keuangan dan Pembangunan (BPKP)\n"
                        "Anggota Badan Pemeriksa Keuangan Republik Indonesia (BPK RI)",
      "moderator_name": "Inspektur Wilayah I", "zoom": True, "stream": True}),
    (1, "08:00", 120, "Pleno: pencegahan korupsi dan zona integritas", K.PLENARY, M.HYBRID, BALLROOM,
     {"description": "Gratifikasi, benturan kepentingan dan pembangunan Zona Integritas menuju WBK/WBBM.",
      "guest_speakers": "Perwakilan Komisi Pemberantasan Korupsi (KPK)", "moderator_name": "Inspektur Investigasi",
      "zoom": True, "stream": True}),
    (1, "10:15", 105, "Panel: transformasi Inspektorat Jenderal menjadi organisasi yang adaptif dan agile",
     K.PANEL, M.HYBRID, BALLROOM,
     {"description": "Diskusi panel tentang pengawasan berbasis risiko, pengawasan digital dan peran APIP sebagai "
                     "konsultan.",
      "guest_speakers": "Inspektur Jenderal Kementerian Agama\nSekretaris Inspektorat Jenderal\n"
                        "Perwakilan BPKP", "moderator_name": "Inspektur Wilayah II", "zoom": True, "stream": True}),
    (1, "12:00", 60, "Ishoma", K.BREAK, M.IN_PERSON, "Restoran Novotel", {}),
    *[(1, "13:00", 180, f"Diskusi kelompok Inspektorat Wilayah {roman}: temuan dan tindak lanjut per wilayah",
       K.BREAKOUT, M.HYBRID, ROOMS[roman],
       {"description": "Pembahasan temuan, tindak lanjut dan risiko per Kanwil dalam wilayah binaan (pembagian "
                       "provinsi pada demo ini adalah contoh).",
        "moderator_name": f"Inspektur Wilayah {roman}", "zoom": True, "units": REGIONS[roman]})
      for roman in ("I", "II", "III", "IV")],
    (1, "13:00", 180, "Diskusi kelompok Inspektorat Investigasi: pengaduan masyarakat dan whistleblowing",
     K.BREAKOUT, M.HYBRID, ROOMS["INV"],
     {"description": "Penanganan pengaduan masyarakat, WBS dan audit investigatif.",
      "moderator_name": "Inspektur Investigasi", "zoom": True}),
    (1, "16:15", 75, "Pleno: laporan hasil diskusi kelompok", K.PLENARY, M.HYBRID, BALLROOM,
     {"moderator_name": "Sekretaris Inspektorat Jenderal", "zoom": True, "stream": True}),
    (2, "08:00", 120, "Pleno: rencana pengawasan 2023 (PKPT)", K.PLENARY, M.HYBRID, BALLROOM,
     {"description": "Program Kerja Pengawasan Tahunan 2023: prioritas, sasaran dan pembagian tugas.",
      "guest_speakers": "Sekretaris Inspektorat Jenderal", "moderator_name": "Inspektur Wilayah III",
      "zoom": True, "stream": True}),
    (2, "10:15", 105, "Perumusan rekomendasi Rakorwas 2022", K.PANEL, M.HYBRID, BALLROOM,
     {"description": "Tim perumus membacakan dan membahas rancangan rekomendasi.",
      "moderator_name": "Inspektur Wilayah IV", "zoom": True, "stream": True}),
    (2, "12:00", 60, "Penutupan dan pembacaan rekomendasi", K.CEREMONY, M.HYBRID, BALLROOM,
     {"guest_speakers": "Inspektur Jenderal Kementerian Agama", "zoom": True, "stream": True}),
]


def _day_one_shift(event: Event, now: dt.datetime) -> tuple[dt.timedelta, float]:
    """For a demo running today: day 1 moved (and, late in the day, compressed) so it starts in ~10 minutes."""
    tz = event.tz
    local = now.astimezone(tz)
    if local.date() != event.start_date:
        return dt.timedelta(0), 1.0
    day_one = [p for p in PROGRAMME if p[0] == 0]
    first = dt.datetime.combine(event.start_date, dt.time.fromisoformat(day_one[0][1]), tzinfo=tz)
    last = max(dt.datetime.combine(event.start_date, dt.time.fromisoformat(p[1]), tzinfo=tz)
               + dt.timedelta(minutes=p[2]) for p in day_one)
    minute = (local.minute // 5 + 1) * 5
    begin = local.replace(minute=0, second=0, microsecond=0) + dt.timedelta(minutes=minute + 5)
    day_end = dt.datetime.combine(event.start_date, dt.time(23, 55), tzinfo=tz)
    if begin.date() != event.start_date or day_end - begin < dt.timedelta(minutes=30):
        return dt.timedelta(0), 1.0
    scale = min(1.0, (day_end - begin) / (last - first))
    return begin - first, scale


def seed_demo_event(*, event: Event, archive: bool, now: dt.datetime | None = None) -> int:
    """Create the missing sessions of ``event``; returns how many were created."""
    now = now or timezone.now()
    tz = event.tz
    days = event.days
    shift, scale = (dt.timedelta(0), 1.0) if archive else _day_one_shift(event, now)
    units = {u.code: u for u in Unit.objects.filter(code__startswith="kanwil-")}
    existing = set(Session.objects.filter(event=event).values_list("title", "day"))
    created = 0
    with transaction.atomic():
        for day_index, hhmm, minutes, title, kind, mode, room, extra in PROGRAMME:
            if day_index >= len(days):
                continue
            day = days[day_index]
            if (title, day) in existing:
                continue
            start = dt.datetime.combine(day, dt.time.fromisoformat(hhmm), tzinfo=tz)
            length = dt.timedelta(minutes=minutes)
            if day_index == 0 and (shift or scale != 1.0):
                first = dt.datetime.combine(day, dt.time.fromisoformat(PROGRAMME[0][1]), tzinfo=tz)
                start = first + shift + (start - first) * scale
                length = max(length * scale, dt.timedelta(minutes=10))
                start = start.replace(second=0, microsecond=0)
                length = dt.timedelta(minutes=round(length.total_seconds() / 60))
            end = start + length
            key = f"{event.slug}:{day_index}:{title}"
            meeting_url, passcode = _zoom(key) if extra.get("zoom") else ("", "")
            session = Session.objects.create(
                event=event, title=title, description=extra.get("description", ""), day=day, start=start, end=end,
                room=room, kind=kind, mode=mode, guest_speakers=extra.get("guest_speakers", ""),
                moderator_name=extra.get("moderator_name", ""), meeting_url=meeting_url, meeting_passcode=passcode,
                stream_url=_youtube(key) if extra.get("stream") else "",
                status=Session.Status.ENDED if archive else Session.Status.SCHEDULED,
                status_changed_at=end if archive else None,
                join_scope=Session.JoinScope.UNITS if extra.get("units") else Session.JoinScope.ALL_ONLINE,
            )
            if extra.get("units"):
                session.allowed_units.set([units[c] for c in map(data.kanwil_code, extra["units"]) if c in units])
            created += 1
    return created
