"""Test-only URLconf: the project's URLs plus a page carrying the agenda markup live.js works on.

The portal's agenda fragment (templates/agenda/agenda.html) is built
separately; this page holds the agreed markup, so the browser test checks
live.js and the socket on their own.
"""

from django.http import Http404, HttpResponse
from django.template import engines
from django.urls import include, path

from attendance.selectors import registration_for_ticket_secret
from agenda.models import Session
from agenda.selectors import join_opens_at

PAGE = """{% load i18n static %}<!doctype html>
<html lang="id"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{ event.name }}</title></head>
<body>
<section data-live-agenda data-event="{{ event.slug }}" data-secret="{{ registration.portal_secret }}"
         data-poll-seconds="{{ poll }}" data-quiet-seconds="{{ quiet }}" data-label-scheduled="{% trans 'Terjadwal' %}"
         data-label-live="{% trans 'Sedang berlangsung' %}" data-label-ended="{% trans 'Selesai' %}">
{% for s in sessions %}
  <article data-session-id="{{ s.session.pk }}" data-status="{{ s.session.status }}"
           data-join-opens="{{ s.opens }}" data-end="{{ s.end }}">
    <h3>{{ s.session.title }}</h3>
    <span class="session-status">{{ s.session.get_status_display }}</span>
    <a class="join-button is-off" aria-disabled="true"
       href="/t/{{ registration.portal_secret }}/join/{{ s.session.pk }}/">{% trans "Gabung" %}</a>
  </article>
{% endfor %}
</section>
<script src="{% static 'rakor/live.js' %}"></script>
</body></html>"""


FRAGMENT = """{% load static %}<!doctype html>
<html lang="id"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{ agenda.event.name }}</title></head>
<body>{% include "agenda/agenda.html" %}<script src="{% static 'rakor/live.js' %}"></script></body></html>"""


def real_fragment_page(request, secret):
    """The portal's real agenda fragment (templates/agenda/agenda.html) with live.js."""
    from attendance.online.selectors import portal_agenda_context

    registration = registration_for_ticket_secret(secret)
    if registration is None:
        raise Http404
    context = portal_agenda_context(registration.event, registration=registration)
    return HttpResponse(engines["django"].from_string(FRAGMENT).render(context, request))


def agenda_page(request, secret):
    registration = registration_for_ticket_secret(secret)
    if registration is None:
        raise Http404
    sessions = [{"session": s, "opens": join_opens_at(s).isoformat(), "end": s.end.isoformat()}
                for s in Session.objects.filter(event=registration.event)]
    html = engines["django"].from_string(PAGE).render(
        {"event": registration.event, "registration": registration, "sessions": sessions,
         "poll": request.GET.get("poll", "20"), "quiet": request.GET.get("quiet", "")}, request)
    return HttpResponse(html)


urlpatterns = [
    path("test-live/<str:secret>/", agenda_page),
    path("test-live-fragment/<str:secret>/", real_fragment_page),
    path("", include("rakor.urls")),
]
