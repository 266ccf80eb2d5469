"""Minutes for seed_demo: the archive's final notula with follow-ups, the demo's minutes in every state.

Called by seed_demo (minutes.demo.seed_demo_event, after the agenda's). Idempotent: a session that already has
minutes is left alone. Everything goes through the services (revisions, audit), as
if the demo minute taker and organiser had done it; the archive's dates are then set
to November 2022. The chair of each session is the registered participant holding the
moderator's position where there is one.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.contrib.auth import get_user_model
from django.db import transaction

from agenda.models import Session
from attendance.identity import compose_nip
from attendance.models import Registration
from rakor.models import Event, Unit
from rakor.roles import NOTULIS, ORGANISER

from . import services
from .models import ActionItem, Minutes, MinutesRevision
from .selectors import attendance_snapshot

TAKER_RANK = "Penata Muda Tingkat I (III/b)"
TAKER_NIP = compose_nip(birth=dt.date(1991, 5, 12), appointed=dt.date(2016, 3, 1), gender="P", sequence=4)


def _pick(key: str, n: int) -> int:
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % n


# Follow-ups by topic: (what, unit code or "kanwil:<province>" or "region", days after the event).
TOPICS = {
    "Pembukaan": (
        "Menteri Agama membuka Rakorwas 2022 dan menegaskan arah pengawasan: Inspektorat Jenderal sebagai "
        "*early warning system* dan konsultan, bukan hanya pemeriksa.",
        ["Pengawasan diarahkan pada pencegahan: pendampingan sejak perencanaan anggaran.",
         "Setiap satuan kerja menindaklanjuti temuan BPK dan Itjen tepat waktu.",
         "Zona Integritas menjadi ukuran kinerja pimpinan satuan kerja."],
        [("Menyusun surat edaran Menteri tentang percepatan tindak lanjut hasil pemeriksaan", "setjen-biro-hukum-kln", 38),
         ("Menyampaikan arahan Menteri kepada seluruh Kanwil melalui rapat pimpinan daring", "itjen-sekretariat", 14)],
    ),
    "Laporan Inspektur Jenderal": (
        "Inspektur Jenderal menyampaikan capaian pengawasan 2022: cakupan audit, temuan berulang pada pengadaan "
        "barang/jasa dan pengelolaan BOS, serta status tindak lanjut hasil pemeriksaan.",
        ["Tindak lanjut hasil pemeriksaan yang selesai ditargetkan sekurang-kurangnya 85% pada akhir 2023.",
         "Temuan berulang dibahas bersama unit Eselon I dalam rapat triwulanan."],
        [("Memutakhirkan basis data tindak lanjut hasil pemeriksaan (SIMWAS) per satuan kerja", "itjen-sekretariat", 68),
         ("Menyusun peta temuan berulang 2020–2022 per unit Eselon I", "itjen-irwil-1", 98),
         ("Menyelesaikan tindak lanjut temuan pengelolaan BOS madrasah", "ditjen-pendis", 128)],
    ),
    "pengawasan intern": (
        "BPKP dan BPK RI memaparkan arah pengawasan intern pemerintah, penguatan SPIP dan opini laporan keuangan.",
        ["Maturitas SPIP Kementerian Agama ditargetkan naik ke level 3 pada 2023.",
         "Kapabilitas APIP dinilai ulang bersama BPKP."],
        [("Menyusun rencana aksi peningkatan maturitas SPIP", "setjen-biro-ortala", 98),
         ("Mengajukan penilaian kapabilitas APIP kepada BPKP", "itjen-sekretariat", 128)],
    ),
    "korupsi": (
        "KPK memaparkan pengendalian gratifikasi, benturan kepentingan dan pembangunan Zona Integritas.",
        ["Setiap Kanwil membentuk Unit Pengendalian Gratifikasi yang aktif.",
         "Usulan satker berpredikat WBK/WBBM diseleksi oleh Tim Penilai Internal."],
        [("Melaporkan penerimaan dan penolakan gratifikasi triwulan IV 2022", "itjen-investigasi", 38),
         ("Menetapkan satuan kerja yang diusulkan WBK/WBBM 2023", "itjen-irwil-2", 68)],
    ),
    "Panel": (
        "Panel membahas pengawasan berbasis risiko, audit berbantuan teknologi dan peran APIP sebagai konsultan.",
        ["Itjen menyusun peta jalan pengawasan digital 2023–2024.",
         "Auditor mengikuti pelatihan audit berbasis data."],
        [("Menyusun peta jalan pengawasan digital", "itjen-sekretariat", 98),
         ("Menyelenggarakan pelatihan audit berbasis data bagi auditor", "bmbpsdm", 158)],
    ),
    "Investigasi": (
        "Pembahasan penanganan pengaduan masyarakat, Whistleblowing System dan audit investigatif.",
        ["Pengaduan ditelaah paling lama 14 hari kerja sejak diterima.",
         "Identitas pelapor WBS dilindungi sesuai ketentuan."],
        [("Menyusun SOP penanganan pengaduan terpadu dengan Kanwil", "itjen-investigasi", 68)],
    ),
    "laporan hasil diskusi": (
        "Para Inspektur Wilayah melaporkan hasil diskusi kelompok per wilayah binaan.",
        ["Hasil diskusi kelompok menjadi bahan rumusan rekomendasi Rakorwas."],
        [("Menghimpun hasil diskusi kelompok menjadi bahan rumusan", "itjen-sekretariat", 2)],
    ),
    "PKPT": (
        "Sekretaris Itjen memaparkan rancangan Program Kerja Pengawasan Tahunan (PKPT) 2023.",
        ["PKPT 2023 memprioritaskan pengadaan barang/jasa, BOS madrasah dan penyelenggaraan haji.",
         "Pembagian obyek pengawasan per Inspektorat Wilayah ditetapkan Desember 2022."],
        [("Menetapkan PKPT 2023", "itjen-sekretariat", 38),
         ("Menyampaikan jadwal audit 2023 kepada satker obyek pemeriksaan", "itjen-irwil-3", 68)],
    ),
    "Perumusan": (
        "Tim perumus membacakan rancangan rekomendasi Rakorwas 2022 dan menerima masukan peserta.",
        ["Rekomendasi Rakorwas 2022 disepakati dengan perbaikan redaksi."],
        [("Menyebarluaskan rekomendasi Rakorwas 2022 kepada seluruh satuan kerja", "itjen-sekretariat", 14),
         ("Memantau pelaksanaan rekomendasi dan melaporkannya pada Rakorwas berikutnya", "itjen-irwil-4", 340)],
    ),
    "Penutupan": (
        "Inspektur Jenderal menutup Rakorwas 2022 dan membacakan rekomendasi.",
        ["Rakorwas 2022 ditutup; rekomendasi menjadi acuan pengawasan 2023."],
        [],
    ),
    "Diskusi kelompok Inspektorat Wilayah": (
        "Pembahasan temuan, tindak lanjut dan risiko tiap Kanwil dalam wilayah binaan.",
        ["Setiap Kanwil menyampaikan rencana penyelesaian tindak lanjut temuan terbuka.",
         "Kanwil mengoordinasikan Kankemenag Kab/Kota untuk pemutakhiran data tindak lanjut."],
        [("Menyampaikan rencana penyelesaian tindak lanjut temuan terbuka", "region", 38),
         ("Memutakhirkan data tindak lanjut Kankemenag Kab/Kota di wilayahnya", "region", 98)],
    ),
}


def _topic(title: str):
    for key, value in TOPICS.items():
        if key.lower() in title.lower():
            return key, value
    return None, None


def _chair(event: Event, session: Session) -> dict:
    position = session.moderator_name
    if not position or position.startswith("Pembawa acara"):
        position = "Inspektur Jenderal"  # ceremonies are chaired by the head of the inspectorate
    registration = (Registration.objects.filter(event=event, participant__position=position)
                    .select_related("participant").order_by("pk").first()) if position else None
    if registration is not None:
        p = registration.participant
        return {"chair_name": p.full_name, "chair_position": p.position, "chair_rank": p.rank, "chair_nip": p.nip}
    return {"chair_name": position or "Inspektur Jenderal Kementerian Agama", "chair_position": position,
            "chair_rank": "", "chair_nip": ""}


def _region_units(session: Session) -> list[Unit]:
    return list(session.allowed_units.order_by("sort_order", "name")[:3])


def _content(event: Event, session: Session, taker, *, complete: bool = True) -> dict:
    key, topic = _topic(session.title)
    tz = event.tz
    start = session.start.astimezone(tz)
    end = session.end.astimezone(tz)
    summary, decisions, follow_ups = topic or ("Pembahasan sesi.", ["Peserta mencatat arahan narasumber."], [])
    speakers = [s for s in session.guest_speakers.splitlines() if s.strip()]
    discussion = [summary, ""]
    if speakers:
        discussion += ["**Narasumber:**", "", *[f"- {s}" for s in speakers], ""]
    discussion += [
        "**Pokok bahasan:**",
        "",
        *[f"{i}. {d}" for i, d in enumerate(decisions, start=1)],
        "",
        "**Tanya jawab:**",
        "",
        "- Peserta dari Kanwil menanyakan jadwal pemutakhiran data tindak lanjut; narasumber menjelaskan bahwa "
        "pemutakhiran dilakukan tiap triwulan.",
        "- Peserta daring menyampaikan pertanyaan melalui kolom obrolan; pertanyaan yang belum terjawab dihimpun "
        "panitia untuk dijawab tertulis.",
    ]
    if not complete:
        discussion = discussion[:5]
    items = []
    if complete:
        units = {u.code: u for u in Unit.objects.filter(code__in=[u for _w, u, _d in follow_ups if u != "region"])}
        region = _region_units(session)
        for n, (what, code, days) in enumerate(follow_ups):
            targets = region[:2] if code == "region" else [units.get(code)]
            for unit in targets:
                if unit is None:
                    continue
                due = (event.end_date + dt.timedelta(days=days)).isoformat()
                items.append({"what": what, "unit": unit.pk, "due": due})
    profile = getattr(taker, "rakor_profile", None)
    return {
        "opened": (start + dt.timedelta(minutes=5)).strftime("%H:%M"),
        "closed": (end - dt.timedelta(minutes=5)).strftime("%H:%M") if complete else "",
        **_chair(event, session),
        "taker_name": taker.get_full_name() or taker.get_username(),
        "taker_position": profile.position if profile else "",
        "taker_rank": TAKER_RANK, "taker_nip": TAKER_NIP,
        "agenda": session.title + (f"\n\n{session.description}" if session.description else ""),
        "discussion": "\n".join(discussion),
        "decisions": "\n".join(f"{i}. {d}" for i, d in enumerate(decisions, start=1)) if complete else "",
        "items": items,
    }


def _people():
    User = get_user_model()
    taker = User.objects.filter(groups__name=NOTULIS).order_by("pk").first()
    organiser = User.objects.filter(groups__name=ORGANISER).order_by("pk").first() or \
        User.objects.filter(is_superuser=True).order_by("pk").first()
    return taker, organiser


def _minutes_sessions(event: Event):
    return [s for s in Session.objects.filter(event=event).order_by("start", "title")
            if s.kind != Session.Kind.BREAK and not s.title.startswith("Registrasi")]


def _finalise(session, taker, organiser, content):
    minutes = services.assign_minute_takers(session=session, takers=[taker], by=organiser)
    services.save_draft(minutes=minutes, by=taker, content={**content, "items": content["items"][:1]},
                        base_revision=minutes.revision_number)
    minutes.refresh_from_db()
    services.save_draft(minutes=minutes, by=taker, content=content, base_revision=minutes.revision_number,
                        submit=True)
    minutes.refresh_from_db()
    # The live demo shows a final record of its first session on its first day (today), before that
    # session's end: demo data only (services.finalise refuses that to everybody else).
    services.finalise(minutes=minutes, by=organiser, before_session_end=True)
    minutes.refresh_from_db()
    return minutes


def _backdate(minutes: Minutes, when: dt.datetime) -> None:
    for revision in MinutesRevision.objects.filter(minutes=minutes).order_by("number"):
        MinutesRevision.objects.filter(pk=revision.pk).update(
            created_at=when + dt.timedelta(minutes=20 * revision.number))
    Minutes.objects.filter(pk=minutes.pk).update(finalised_at=when + dt.timedelta(hours=20))


def _track_archive_items(minutes: Minutes, organiser) -> None:
    """A year on, the units have done some of it: a mix of done (with evidence), in progress and open."""
    for item in ActionItem.objects.filter(minutes=minutes).order_by("position", "pk"):
        roll = _pick(f"{item.what}:{item.unit_id}", 10)
        if roll < 5:
            services.set_item_status(item=item, by=organiser, status=ActionItem.Status.DONE,
                                     note="Telah dilaksanakan; laporan diterima Sekretariat Itjen.")
            services.add_evidence(item=item, by=organiser, note="Laporan pelaksanaan tindak lanjut dan notula rapat "
                                  "internal unit.", link="https://itjen.kemenag.go.id/")
        elif roll < 8:
            services.set_item_status(item=item, by=organiser, status=ActionItem.Status.IN_PROGRESS,
                                     note="Sebagian telah dilaksanakan; sisa dijadwalkan triwulan berikutnya.")


def freeze_demo_attendance(*, event: Event) -> int:
    """Final demo minutes keep the attendance as it stood when they were (back-dated) finalised.

    The minutes hook runs before the attendance hook, so their lists were frozen empty; the
    demo's meetings happened before their minutes were finalised, so the list they should
    hold is the recorded attendance. Only minutes the demo organiser finalised are touched.
    """
    _taker, organiser = _people()
    if organiser is None:
        return 0
    frozen = 0
    for minutes in Minutes.objects.filter(session__event=event, status=Minutes.Status.FINAL,
                                          finalised_by=organiser).select_related("session"):
        Minutes.objects.filter(pk=minutes.pk).update(attendance_snapshot=attendance_snapshot(minutes.session),
                                                     attendance_snapshot_at=minutes.finalised_at)
        frozen += 1
    return frozen


def seed_demo_minutes(*, event: Event, archive: bool) -> int:
    """Create the demo minutes that are missing; returns how many minutes were created."""
    taker, organiser = _people()
    if taker is None or organiser is None:
        return 0
    sessions = _minutes_sessions(event)
    done = set(Minutes.objects.filter(session__event=event).values_list("session_id", flat=True))
    created = 0
    with transaction.atomic():
        if archive:
            for session in sessions:
                if session.pk in done:
                    continue
                minutes = _finalise(session, taker, organiser, _content(event, session, taker))
                if "Perumusan" in session.title:
                    # One correction, to show how a final record is corrected: a new revision with a reason.
                    services.open_correction(minutes=minutes, by=organiser,
                                             reason="Batas waktu penyebarluasan rekomendasi diperbaiki sesuai "
                                                    "keputusan rapat pimpinan.")
                    minutes.refresh_from_db()
                    fixed = [dict(i) for i in minutes.items]
                    if fixed:
                        fixed[0]["due"] = (event.end_date + dt.timedelta(days=21)).isoformat()
                    services.save_draft(minutes=minutes, by=taker, content={"items": fixed},
                                        base_revision=minutes.revision_number, submit=True)
                    minutes.refresh_from_db()
                    services.finalise(minutes=minutes, by=organiser)
                    minutes.refresh_from_db()
                _track_archive_items(minutes, organiser)
                _backdate(minutes, session.start)
                created += 1
        else:
            plan = ["final", "review", "draft", "draft_empty"]
            for session, state in zip(sessions, plan):
                if session.pk in done:
                    continue
                created += 1
                if state == "final":
                    _finalise(session, taker, organiser, _content(event, session, taker))
                    continue
                minutes = services.assign_minute_takers(session=session, takers=[taker], by=organiser)
                if state == "draft_empty":
                    continue
                services.save_draft(minutes=minutes, by=taker,
                                    content=_content(event, session, taker, complete=state == "review"),
                                    base_revision=minutes.revision_number, submit=state == "review")
    if not archive:
        source = services.previous_event(event)
        if source is not None and ActionItem.objects.filter(event=source).exists():
            services.carry_over(event=event, source=source, by=organiser)
    return created


def seed_demo_event(*, event: Event, archive: bool) -> int:
    """seed_demo's hook (after the agenda's, before attendance's): minutes in every state (idempotent)."""
    return seed_demo_minutes(event=event, archive=archive)


def seed_demo_finish(*, event: Event, archive: bool) -> None:
    """After the other apps' demo data: final minutes freeze the attendance now recorded."""
    freeze_demo_attendance(event=event)
