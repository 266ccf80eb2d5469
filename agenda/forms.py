"""Organisers' agenda form: the checks every session must pass, whoever edits it."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import formats
from django.utils.translation import gettext as _

from .models import Session


def room_conflicts(session: Session):
    """Other sessions of the same event in the same room at an overlapping time (a warning, not an error)."""
    room = (session.room or "").strip()
    if not room or not session.event_id or not session.start or not session.end:
        return Session.objects.none()
    return (Session.objects.filter(event_id=session.event_id, room__iexact=room, start__lt=session.end,
                                   end__gt=session.start)
            .exclude(pk=session.pk).order_by("start"))


class SessionAdminForm(forms.ModelForm):
    """End after start, inside the event's days (in the event's time zone), day consistent with start."""

    meeting_url = forms.URLField(label=Session._meta.get_field("meeting_url").verbose_name, max_length=500,
                                 required=False, assume_scheme="https")
    stream_url = forms.URLField(label=Session._meta.get_field("stream_url").verbose_name, max_length=500,
                                required=False, assume_scheme="https")

    class Meta:
        model = Session
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        event, day, start, end = (cleaned.get(k) for k in ("event", "day", "start", "end"))
        if start and end and end <= start:
            self.add_error("end", _("Waktu selesai harus sesudah waktu mulai."))
        if event is None:
            return cleaned
        tz = event.tz
        if day and not (event.start_date <= day <= event.end_date):
            self.add_error("day", _("Hari %(day)s di luar tanggal acara (%(first)s s.d. %(last)s).") % {
                "day": formats.date_format(day, "j F Y"), "first": formats.date_format(event.start_date, "j F Y"),
                "last": formats.date_format(event.end_date, "j F Y")})
            return cleaned
        start_on_day = not (day and start) or start.astimezone(tz).date() == day
        if not start_on_day:
            self.add_error("start", _("Waktu mulai (%(when)s, %(tz)s) tidak jatuh pada hari sesi (%(day)s).") % {
                "when": formats.date_format(start.astimezone(tz), "j F Y H:i"), "tz": event.time_zone,
                "day": formats.date_format(day, "j F Y")})
        if start_on_day and day and start and end and end > start:
            last_moment = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
            if end > last_moment:
                self.add_error("end", _("Sesi harus selesai pada hari yang sama (%(day)s, zona waktu %(tz)s).") % {
                    "day": formats.date_format(day, "j F Y"), "tz": event.time_zone})
        speakers = cleaned.get("speakers")
        if speakers is not None:
            others = [str(r) for r in speakers if r.event_id != event.pk]
            if others:
                self.add_error("speakers", _("Narasumber terdaftar harus peserta acara ini: %(names)s.") % {
                    "names": ", ".join(others)})
        return cleaned
