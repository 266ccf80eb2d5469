"""What the activity report says, read from the record (``report_content``) and its outline (``outline``).

Every figure comes from the selector the rest of Rakor shows it with, so the report can
never disagree with the page an organiser checks it against:

- attendance per day, province, unit and session: ``attendance.reports.build`` (the recap's
  ``Recap``, the same numbers and the same SVG charts as the rekap page and its PDF);
- the agenda with its speakers: ``agenda.selectors.event_sessions``;
- decisions and follow-ups: every *final* notula, through ``minutes.documents.notula_context``
  (what the notula PDF prints), with the follow-ups' status from the register;
- certificates: ``certificates.selectors.certificate_counts``;
- the daftar hadir annex: ``attendance.daftar_hadir.attendance_list`` for each day;
- the invitation and the participants' evaluation: ``invitations.selectors.report_summary`` and
  ``evaluation.selectors.report_summary`` (None when the event has none).

The PDF and the DOCX are both made from one ``ReportContent`` and walk one ``outline``, so
they hold the same chapters and sections in the same order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from agenda.selectors import event_sessions
from attendance import daftar_hadir
from attendance import reports as recap_reports
from certificates.selectors import certificate_counts
from evaluation.selectors import report_summary as evaluation_summary
from invitations.selectors import report_summary as invitation_summary
from minutes.documents import TZ_LABELS, notula_context
from minutes.markup import render_markdown
from minutes.models import Minutes
from minutes.policy import FULL_ACCESS
from rakor.models import Event

from .models import ActivityReport, ReportVersion

NARRATIVE_FIELDS = ("background", "objectives", "conclusion")

@dataclass
class Section:
    id: str
    title: str


@dataclass
class Chapter:
    id: str
    label: str  # "BAB I", "LAMPIRAN I"
    title: str
    sections: list[Section] = field(default_factory=list)
    annex: bool = False

    @property
    def heading(self) -> str:
        return f"{self.label} {self.title}"


def outline() -> list[Chapter]:
    """The chapters and sections of every report, in order; the PDF's table of contents and the DOCX's headings."""
    return [
        Chapter("bab1", _("BAB I"), _("PENDAHULUAN"), [
            Section("latar-belakang", _("A. Latar Belakang")),
            Section("maksud-tujuan", _("B. Maksud dan Tujuan")),
            Section("waktu-tempat", _("C. Waktu dan Tempat")),
        ]),
        Chapter("bab2", _("BAB II"), _("PELAKSANAAN KEGIATAN"), [
            Section("undangan", _("A. Undangan")),
            Section("agenda", _("B. Agenda dan Narasumber")),
            Section("kehadiran", _("C. Kehadiran Peserta")),
        ]),
        Chapter("bab3", _("BAB III"), _("HASIL KEGIATAN"), [
            Section("keputusan", _("A. Keputusan dan Tindak Lanjut")),
            Section("evaluasi", _("B. Hasil Evaluasi Peserta")),
            Section("sertifikat", _("C. Sertifikat")),
        ]),
        Chapter("bab4", _("BAB IV"), _("PENUTUP"), [
            Section("kesimpulan", _("Kesimpulan dan Saran")),
        ]),
        Chapter("lampiran1", _("LAMPIRAN I"), _("DAFTAR HADIR"), annex=True),
        Chapter("lampiran2", _("LAMPIRAN II"), _("NOTULA RAPAT"), annex=True),
    ]


def report_for(event: Event) -> ActivityReport:
    """The event's report row (made empty on first use)."""
    report, _created = ActivityReport.objects.get_or_create(event=event)
    return report


def versions(report: ActivityReport) -> list[ReportVersion]:
    return list(report.versions.select_related("requested_by").order_by("-number"))


def latest_final(report: ActivityReport) -> ReportVersion | None:
    return report.versions.filter(final=True, status=ReportVersion.Status.READY).order_by("-number").first()


def moment_label(event: Event, value: dt.datetime) -> str:
    local = timezone.localtime(value, event.tz)
    return f"{formats.date_format(local, 'j F Y')} {local:%H:%M} {TZ_LABELS.get(event.time_zone, event.time_zone)}"


@dataclass
class AgendaDay:
    date: dt.date
    label: str
    sessions: list[dict]


@dataclass
class ReportContent:
    event: Event
    report: ActivityReport
    as_of: dt.datetime
    as_of_label: str
    narrative: dict  # field → {"markdown": str, "html": SafeString}
    recap: recap_reports.Recap
    charts: dict
    agenda: list[AgendaDay]
    minutes: list[dict]  # notula_context of each final notula, in agenda order
    invitation: dict | None
    evaluation: dict | None
    certificates: dict
    attendance_lists: list[daftar_hadir.AttendanceList]
    chapters: list[Chapter]

    @property
    def decisions_count(self) -> int:
        return sum(1 for m in self.minutes if m["decisions_html"])

    @property
    def follow_ups(self) -> list[dict]:
        return [{**item, "session": m["session"].title} for m in self.minutes for item in m["items"]]

    @property
    def date_label(self) -> str:
        e = self.event
        if e.start_date == e.end_date:
            return formats.date_format(e.start_date, "l, j F Y")
        return f"{formats.date_format(e.start_date, 'j F Y')} – {formats.date_format(e.end_date, 'j F Y')}"

    @property
    def organiser_name(self) -> str:
        unit = self.event.organiser_unit
        return unit.name if unit else ""


def _agenda(event: Event) -> list[AgendaDay]:
    tz = event.tz
    sessions = event_sessions(event)
    speakers: dict[int, list[str]] = {}
    for s in sessions:
        # event_sessions prefetches the units only; the speakers' names (one query per session is fine
        # for an agenda of tens of sessions made once per generation).
        speakers[s.pk] = [r.participant.full_name for r in s.speakers.select_related("participant").order_by(
            "participant__full_name")]
    by_day: dict[dt.date, list[dict]] = {}
    for s in sessions:
        names = [line.strip() for line in s.guest_speakers.splitlines() if line.strip()] + speakers[s.pk]
        by_day.setdefault(s.day, []).append({
            "title": s.title, "time": f"{timezone.localtime(s.start, tz):%H:%M}–{timezone.localtime(s.end, tz):%H:%M}",
            "room": s.room, "mode": s.get_mode_display(), "kind": s.get_kind_display(),
            "speakers": names, "moderator": s.moderator_name,
        })
    return [AgendaDay(d, formats.date_format(d, "l, j F Y"), rows) for d, rows in sorted(by_day.items())]


def final_minutes(event: Event) -> list[Minutes]:
    return list(Minutes.objects.filter(session__event=event, status=Minutes.Status.FINAL)
                .select_related("session__event").order_by("session__start", "session__title", "pk"))


def report_content(event: Event, *, report: ActivityReport | None = None, now: dt.datetime | None = None) -> ReportContent:
    """Everything the report prints, read now from the record (organisers' version: NIPs included)."""
    report = report or report_for(event)
    now = now or timezone.now()
    recap = recap_reports.build(event)
    day_attendance, day_online = recap.day_chart()
    charts = {"day_attendance": day_attendance, "day_online": day_online,
              "province": recap.province_chart() if recap.per_province else "",
              "session": recap.session_chart() if recap.per_session else ""}
    narrative = {name: {"markdown": getattr(report, name), "html": render_markdown(getattr(report, name))}
                 for name in NARRATIVE_FIELDS}
    return ReportContent(
        event=event, report=report, as_of=now, as_of_label=moment_label(event, now), narrative=narrative,
        recap=recap, charts=charts, agenda=_agenda(event),
        minutes=[notula_context(m, access=FULL_ACCESS) for m in final_minutes(event)],
        invitation=invitation_summary(event), evaluation=evaluation_summary(event),
        certificates=certificate_counts(event),
        attendance_lists=[daftar_hadir.attendance_list(event=event, day=d) for d in event.days],
        chapters=outline(),
    )
