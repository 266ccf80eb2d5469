"""What makes the participant portal cheap to serve (issue 15): the shared agenda and the page's ETag.

The agenda on a portal is nearly the same for everyone of an event: only the person's join
links (which carry their secret) and whether they may join each session differ. So it is
rendered once per *agenda state* and kept in the cache:

- the sessions come from ``agenda.selectors.cached_event_sessions`` (no query when warm), keyed
  by the event's agenda version, which every save of a session bumps (agenda/signals.py);
- the fragment's key is the agenda version, the event's own fields, the language, what time
  changes on the page (which sessions are under way, past, open for joining, the "now" line)
  and which sessions this person may join; the secret is rendered as a random token stored
  with the HTML and replaced by the person's secret when served.

``portal_state`` and ``with_csrf`` make the page's validator: a digest of everything the page shows (the person,
their registration, days, check-ins, what registered parts say, e.g. the certificate, the
agenda fragment's key), the language, the CSRF cookie its form carries and the templates.
The view answers 304 when it matches, without rendering (and without reading the agenda's HTML).
A request without a matching validator (a reload, a second device) gets the page kept under that
state (``portal_page``): rendered once per state, served with the request's own CSRF token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import zlib
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from agenda.models import Session
from agenda.selectors import agenda_context, agenda_state, cached_event_sessions
from rakor.localcache import NodeLocalCache

from .models import Registration
from .online.selectors import join_refusal

AGENDA_SECONDS = 300  # a rendered agenda is keyed by its state; this only bounds how long an unused one stays

# Parts of the portal that another app renders (the certificate block): each registers a function
# returning a string that changes whenever what it shows changes (certificates' AppConfig.ready).
_state_parts: list[Callable[[Registration], str]] = []


def register_portal_state(part: Callable[[Registration], str]) -> None:
    if part not in _state_parts:
        _state_parts.append(part)


# What those parts read per *event* (the evaluation's questionnaire, the questions' settings) is kept in
# each server process (rakor.localcache), so a portal view reads none of it from the database. The
# apps that own those rows call ``forget_event_parts()`` on every save and delete (their signals, and
# their services where a bulk write sends none): this process drops its copies at once, every other
# process within ``localcache.CHECK_SECONDS`` (0.5 s) of the commit. ``EVENT_PARTS_SECONDS`` bounds
# a copy's life where no signal fires (a raw UPDATE) or while Redis is away.
EVENT_PARTS_SECONDS = 30.0
_event_parts = NodeLocalCache("portal-event-parts", ttl=EVENT_PARTS_SECONDS)


def event_part(name: str, event_id: int, load: Callable[[], object]):
    """``load()``'s answer for this event, from this process's memory (see above); keep it small and immutable."""
    return _event_parts.get_or_load((name, event_id), load)


def forget_event_parts() -> None:
    """Every process drops its per-event parts once the current transaction commits (this one at once)."""
    _event_parts.invalidate_on_commit()


def forget_event_parts_here() -> None:
    """Drop this process's per-event parts (tests: a rolled-back event's id is reused)."""
    _event_parts.clear_here()


class _SharedPersonal:
    """agenda_context's ``personal``, with the secret replaced by ``token`` in every link."""

    def __init__(self, registration: Registration, day_modes: dict, token: str):
        self.registration = registration
        self.token = token
        self.ical_url = f"/t/{token}/agenda.ics"
        self._day_modes = day_modes
        self._unit_path = registration.participant.unit.path

    def may_join(self, session: Session) -> bool:
        return join_refusal(self.registration, session, day_mode=self._day_modes.get(session.day),
                            unit_path=self._unit_path, unit_paths=session.allowed_unit_paths) is None

    def join_path(self, session: Session) -> str:
        return f"/t/{self.token}/join/{session.pk}/" if self.may_join(session) else ""


def row_fields(obj) -> tuple:
    return tuple(getattr(obj, f.attname) for f in obj._meta.concrete_fields)


class AgendaFragment:
    """The portal's agenda for one person: its cache ``key`` (cheap), its HTML only when asked (``html()``).

    A revisit answered 304 needs the key for the page's ETag but never the HTML: the fragment is
    then not read from the cache at all.
    """

    def __init__(self, registration: Registration, key: str, event, personal: _SharedPersonal, now, sessions):
        self.key = key
        self._registration, self._event, self._personal, self._now, self._sessions = (
            registration, event, personal, now, sessions)

    def html(self, found=None) -> SafeString:
        """The HTML with this person's secret; ``found``: the cache's entry under ``key`` when already read."""
        from django.core.cache import cache

        found = found or cache.get(self.key)
        if found is None:
            personal = self._personal
            personal.token = "t" + secrets.token_hex(16)  # stands for the secret in the cached HTML; unguessable
            personal.ical_url = f"/t/{personal.token}/agenda.ics"
            found = (personal.token, render_to_string("agenda/agenda.html", agenda_context(
                self._event, personal=personal, now=self._now, sessions=self._sessions)))
            cache.set(self.key, found, AGENDA_SECONDS)
        token, html = found
        return mark_safe(html.replace(token, self._registration.portal_secret))


def agenda_for(registration: Registration, days: list, *, now: dt.datetime | None = None) -> AgendaFragment:
    """The portal's agenda for this person, keyed by its state: rendered at most once per agenda state.

    The key is ``agenda.selectors.agenda_state`` (cheap: no translation, no HTML) with the agenda
    version, the event's columns and the language; the full ``agenda_context`` is built only to render.
    """
    from django.utils import timezone

    event = registration.event
    now = now or timezone.now()
    version, sessions = cached_event_sessions(event)
    personal = _SharedPersonal(registration, {d.date: d.mode for d in days}, "")
    state = (version, get_language(), row_fields(event), agenda_state(event, sessions, now=now, may_join=personal.may_join))
    key = f"rakor:portal-agenda:{hashlib.sha256(repr(state).encode()).hexdigest()[:40]}"
    return AgendaFragment(registration, key, event, personal, now, sessions)


def agenda_fragment(registration: Registration, days: list, *, now: dt.datetime | None = None) -> tuple[SafeString, str]:
    """(the portal's agenda HTML for this person, its cache key): ``agenda_for`` rendered."""
    fragment = agenda_for(registration, days, now=now)
    return fragment.html(), fragment.key


_templates_digest = None
PORTAL_TEMPLATES = ("base.html", "attendance/public/_portal_base.html", "attendance/public/portal.html",
                    "agenda/agenda.html", "includes/my_checkins.html", "includes/help_lines.html",
                    "includes/language_switch.html", "certificates/_portal_block.html", "evaluation/_portal_block.html",
                    "questions/_portal_box.html", "questions/_ask_form.html")


def templates_digest() -> str:
    """The portal's templates, the static manifest and the translations, read once per process: a deploy
    changes every ETag."""
    global _templates_digest
    if _templates_digest is None:
        from django.template.loader import get_template

        h = hashlib.sha256()
        for name in PORTAL_TEMPLATES:
            h.update(Path(get_template(name).origin.name).read_bytes())
        manifest = Path(settings.STATIC_ROOT or ".") / "staticfiles.json"
        if settings.STATIC_ROOT and manifest.exists():
            h.update(manifest.read_bytes())
        for locale in settings.LOCALE_PATHS:  # the compiled translations
            for mo in sorted(Path(locale).glob("*/LC_MESSAGES/django.mo")):
                h.update(mo.read_bytes())
        _templates_digest = h.hexdigest()
    return _templates_digest


def portal_state(request, registration: Registration, *, days: list, checkins: list, agenda_key: str) -> str | None:
    """A digest of what the portal page shows, or None when it must not be revalidated (messages waiting)."""
    storage = getattr(request, "_messages", None)
    if storage is not None and storage._loaded_messages:
        return None
    user = getattr(request, "user", None)
    state = (
        templates_digest(), get_language(), request.get_full_path(),
        user.pk if user is not None and user.is_authenticated else None,
        row_fields(registration), row_fields(registration.participant), row_fields(registration.participant.unit),
        row_fields(registration.event), [(d.date, d.mode) for d in days],
        [(c.pk, c.local_time, c.kind, c.method, c.gate, c.session.title if c.session_id else "") for c in checkins],
        agenda_key, settings.SITE_URL,
        [part(registration) for part in _state_parts],
    )
    return hashlib.sha256(repr(state).encode()).hexdigest()


def with_csrf(state_digest: str, csrf_cookie: str | None) -> str:
    """The ETag: the page's state and the CSRF cookie its language form's token was made from.

    Checked against the request's cookie before rendering; sent with the cookie the page was
    rendered with (the one a first visit sets), so a browser's second visit already gets 304.
    """
    return f'"p-{hashlib.sha256((state_digest + (csrf_cookie or "")).encode()).hexdigest()[:40]}"'


# ---------------------------------------------------------------- the page shared by everyone in the same state

_CSRF_INPUT = re.compile(r'(<input type="hidden" name="csrfmiddlewaretoken" value=")([A-Za-z0-9]+)(">)')


def _checkins_shown(checkins: list) -> list:
    """What the page shows of each check-in (its day and minute, kind, method, gate, session): not its id or second."""
    return [(c.local_time.strftime("%Y-%m-%d %H:%M"), c.kind, c.method, c.gate, c.session_id,
             c.session.title if c.session_id else "") for c in checkins]


def page_shape(request_path: str, user_pk, registration: Registration, *, days: list, checkins: list,
               agenda_key: str, ticket_shown: bool) -> str:
    """The key of the portal page shared by everyone in the same state (``portal_page``).

    Everything the page shows but the person's own strings (``PersonTokens``): the templates, the
    language, the path with the secret masked, the signed-in user, the event, the registration's
    role and standing, whether a position is given, the days, the check-ins as shown, the
    agenda's key and what the other apps' parts show (``register_portal_state``; a certificate's
    number makes that person's page their own). Two people of one unit with the same days before
    the session are one page; the first renders it, the rest are served from the cache.
    """
    secret = registration.portal_secret
    shape = (
        templates_digest(), get_language(), request_path.replace(secret, "~"), user_pk,
        row_fields(registration.event), registration.event_id, registration.role, registration.status,
        registration.status_reason, registration.ticket_revoked_at, bool(registration.participant.position),
        ticket_shown, [(d.date, d.mode) for d in days], _checkins_shown(checkins), agenda_key, settings.SITE_URL,
        [part(registration).replace(secret, "~") for part in _state_parts],
    )
    return hashlib.sha256(repr(shape).encode()).hexdigest()


class PersonTokens:
    """Stand-ins for one person's own strings in the shared portal page, and that person's values for them.

    The shared page is rendered for a stand-in registration (``stand_in``) that carries only
    what the page's state key covers (``page_shape``) and, for the person's own strings, random
    tokens: a template reading anything else of the person gets the stand-in's empty default,
    never the first person's value. tests/attendance/test_portal_shared_page.py proves the page
    served equals the page rendered for the person, for names that need escaping too.
    """

    FIELDS = ("secret", "name", "unit", "position", "short_code", "ticket")

    def __init__(self, tokens: dict[str, str] | None = None):
        from .codes import grouped, new_short_code

        if tokens is None:
            tokens = {f: "p" + secrets.token_hex(16) for f in self.FIELDS}
            tokens["short_code"] = grouped(new_short_code())  # as the page shows a code
        self.tokens = tokens

    def stand_in(self, registration: Registration) -> Registration:
        real = registration.participant
        unit = type(real.unit)(name=self.tokens["unit"], path=real.unit.path)
        participant = type(real)(full_name=self.tokens["name"], unit=unit,
                                 position=self.tokens["position"] if real.position else "")
        stand = Registration(event=registration.event, participant=participant, role=registration.role,
                             status=registration.status, status_reason=registration.status_reason,
                             ticket_revoked_at=registration.ticket_revoked_at, portal_secret=self.tokens["secret"],
                             short_code=self.tokens["short_code"].replace("-", ""))
        for name in ("portal_certificate_block", "portal_evaluation_card", "portal_questions_box"):
            if name in registration.__dict__:  # the parts' states, computed for page_shape
                setattr(stand, name, registration.__dict__[name])
        return stand

    def values(self, registration: Registration, ticket: str | None) -> dict[str, str]:
        """Each token's text for ``registration``, as the templates render it (escaped)."""
        from django.utils.html import escape

        p = registration.participant
        return {self.tokens["secret"]: registration.portal_secret, self.tokens["name"]: escape(p.full_name),
                self.tokens["unit"]: escape(p.unit.name), self.tokens["position"]: escape(p.position),
                self.tokens["short_code"]: escape(registration.short_code_display),
                self.tokens["ticket"]: escape(ticket or "")}


def portal_page(request, registration: Registration, shape: str, agenda: AgendaFragment,
                render_page: Callable[[SafeString, Registration, str | None], HttpResponse],
                ticket: str | None) -> HttpResponse:
    """The portal page for ``shape`` (``page_shape``), rendered once for everyone in it and served from the cache.

    A first view, a reload or a second device gets the page a render would give without
    rendering, once anyone in the same state was served. What is kept
    (``settings.PORTAL_PAGE_SECONDS``, zlib-compressed) is the page rendered for a stand-in
    (``PersonTokens``: the person's secret, name, unit, position, short code and QR payload are
    tokens, put back when served), without its agenda (cached under its own key and put back)
    and with a stand-in for the CSRF form token (replaced by a token of the request's own CSRF
    cookie, as rendering does: ``get_token``). ``render_page(agenda_html, registration, ticket)``
    renders the page for this request.
    """
    from django.core.cache import cache
    from django.middleware.csrf import get_token

    key = f"rakor:portal-page:{shape[:48]}"
    found = cache.get_many([key, agenda.key])
    page = found.get(key)
    if page is None:
        person = PersonTokens()
        mark = f"<!--agenda-{secrets.token_hex(16)}-->"
        html = render_page(mark_safe(mark), person.stand_in(registration), person.tokens["ticket"] if ticket else None
                           ).content.decode()
        # What the other apps' parts computed for the real registration (their links) carries the real secret.
        html = html.replace(registration.portal_secret, person.tokens["secret"])
        csrf = "c" + secrets.token_hex(16)
        page = (person.tokens, csrf, mark, zlib.compress(_CSRF_INPUT.sub(lambda m: m[1] + csrf + m[3], html).encode(), 1))
        cache.set(key, page, settings.PORTAL_PAGE_SECONDS)
    return HttpResponse(fill_page(page, registration, ticket, get_token(request), agenda.html(found.get(agenda.key))))


def fill_page(page: tuple, registration: Registration, ticket: str | None, csrf_token: str, agenda_html: str) -> str:
    """A kept page (``portal_page``) with this person's strings, CSRF token and agenda put in, in one pass."""
    tokens, csrf, mark, compressed = page
    values = PersonTokens(tokens).values(registration, ticket)
    values[csrf] = csrf_token
    values[mark] = agenda_html
    pattern = re.compile("|".join(re.escape(t) for t in values))
    return pattern.sub(lambda m: values[m[0]], zlib.decompress(compressed).decode())


# ---------------------------------------------------------------- pages the same for everyone but their secret


SHARED_PAGE_SECONDS = 60


def _messages_waiting(request) -> bool:
    storage = getattr(request, "_messages", None)
    return storage is not None and bool(storage._loaded_messages)


def shared_page(request, registration: Registration, key_parts: tuple, render: Callable[[str, str, str], str]):
    """An HTML page rendered once per ``key_parts`` (and language) for everyone, served with their own secret.

    ``render(secret_token, csrf_token, full_path)`` renders the page with the two tokens in
    place of the person's portal secret and of their CSRF form token, and ``full_path`` for the
    request's path (the language form's "next"); they are replaced in the cached HTML by the
    person's own. None when the page must be rendered for the person (messages waiting).
    Used by the join link's waiting page (``attendance.views.portal._waiting``): those who tap
    Join early, and whose page re-checks every 30 s, are served from the cache.
    """
    from django.core.cache import cache
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    if _messages_waiting(request) or request.META.get("QUERY_STRING", "") not in ("", "stream=1"):
        return None  # the page the links lead to is cached; any other query string is rendered, not stored
    key = "rakor:shared-page:" + hashlib.sha256(
        repr((key_parts, get_language(), request.META.get("QUERY_STRING", ""))).encode()).hexdigest()[:40]
    found = cache.get(key)
    if found is None:
        token, csrf = "t" + secrets.token_hex(16), "c" + secrets.token_hex(16)
        full_path = request.get_full_path().replace(registration.portal_secret, token)
        found = (token, csrf, render(token, csrf, full_path))
        cache.set(key, found, SHARED_PAGE_SECONDS)
    token, csrf, html = found
    return HttpResponse(html.replace(token, registration.portal_secret).replace(csrf, get_token(request)))
