"""The demo world the security-headers checks walk: seed_demo's two events plus what the demo does not make.

seed_demo gives every kind of page something to show (minutes in each state, follow-ups, issued
certificates, check-ins); added here: today's sessions an online participant may join set live (the
first with a meeting link, the second with only a live stream), that participant's join, a meeting
report, a scanner device, a follow-up's evidence file and a made activity report version (its files
stand-ins: making a real one takes seconds and is tests/reports' business).
"""

from __future__ import annotations

import io

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from attendance.models import Registration, ScannerDevice
from certificates.models import Certificate
from evaluation.models import Question
from rakor.models import Event
from agenda import services as agenda_services
from attendance.online import selectors as session_selectors
from attendance.online import services as session_services
from agenda.models import Session
from minutes.models import ActionItem, ActionItemEvidence, Minutes
from reports.models import ReportVersion
from reports.selectors import report_for

STREAM_URL = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


def security_demo(*, meeting_url: str = "https://zoom.us/j/1234567890") -> dict:
    call_command("seed_demo", participants=20, stdout=io.StringIO())
    users = {u.username: u for u in get_user_model().objects.all()}
    event = Event.objects.get(slug="rakorwas-demo")
    archive = Event.objects.get(slug="rakorwas-2022")
    today = timezone.localdate(timezone=event.tz)

    online, joinable = None, []
    for reg in Registration.objects.filter(event=event, status=Registration.Status.APPROVED).order_by("pk"):
        joinable = [s for s in Session.objects.filter(event=event, day=today).exclude(
            mode=Session.Mode.IN_PERSON).order_by("start", "pk") if session_selectors.join_refusal(reg, s) is None]
        if len(joinable) >= 2:
            online = reg
            break
    assert online is not None, "the demo has an online participant who may join two of today's sessions"
    live, stream_only = joinable[:2]
    Session.objects.filter(pk=live.pk).update(meeting_url=meeting_url, stream_url=STREAM_URL)
    Session.objects.filter(pk=stream_only.pk).update(meeting_url="", stream_url=STREAM_URL)
    for session in (live, stream_only):
        session.refresh_from_db()
        agenda_services.session_set_status(session=session, status=Session.Status.LIVE, by=users["panitia"])
    live.refresh_from_db()
    stream_only.refresh_from_db()
    session_services.session_join(registration=online, session=live)

    d = live.day.strftime("%m/%d/%Y")
    report = session_services.meeting_report_import(session=live, filename="peserta.csv", data=(
        "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
        f"Orang Tak Dikenal,,{d} 09:00:00 AM,{d} 09:30:00 AM,30,Yes\n").encode())
    device = ScannerDevice.objects.create(event=event, name="Meja 1", token_hash=ScannerDevice.hash_token("x" * 32),
                                          token_prefix="xxxxxxxx")
    item = ActionItem.objects.filter(minutes__session__event=event).order_by("pk").first()
    # Written directly, not through the minutes' add_evidence: its audit entry makes the audit page answer
    # 500 (issue 19's "audit page" finding, fixed on its own branch), which is not what these checks are about.
    evidence = ActionItemEvidence.objects.create(item=item, note="Surat edaran terbit",
                                                 file=SimpleUploadedFile("bukti.pdf", b"%PDF-1.4 bukti"))
    ReportVersion.objects.create(report=report_for(event), number=1, status=ReportVersion.Status.READY,
                                 pdf=SimpleUploadedFile("laporan.pdf", b"%PDF-1.4 laporan"),
                                 docx=SimpleUploadedFile("laporan.docx", b"PK laporan"))
    return {
        "users": users, "event": event, "archive": archive, "online": online, "live": live,
        "stream_only": stream_only, "report": report, "row": report.rows.first(), "device": device,
        "certificate": Certificate.objects.filter(event=archive).select_related("registration__participant")
        .order_by("pk").first(),
        "final": Minutes.objects.filter(session__event=event, status=Minutes.Status.FINAL).order_by("pk").first(),
        "item": item, "evidence": evidence,
        "coordinated": Registration.objects.filter(event=event).order_by("pk").first(),
        "question": Question.objects.filter(questionnaire__event=event).order_by("pk").first(),
    }
