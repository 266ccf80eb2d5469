"""The security-headers check: every page of the app carries the Content-Security-Policy and its companions.

The list of pages is built from the URLconf (the project's and the admin's) and filled with the demo
event's objects (tests/rakor/factories_security.py: ``seed_demo``, plus what the demo does not make: a
meeting report, a scanner device, live sessions someone joined), so a page added later is checked without anyone adding it here; a route
this file cannot fill fails the test by name. Each page is fetched as the person who uses it, and:

- its headers are the policy pinned below (a loosening has to be made here too, on purpose);
- an HTML page has nothing the policy would block: no inline ``<script>``, no ``on…=`` handler, no
  ``style=`` attribute, no ``<style>`` without the response's nonce, no ``javascript:`` URL, no script,
  stylesheet or frame from another origin.

The browser side (the pages really work under the policy, nothing is reported as a violation) is
tests/e2e/test_csp_browser.py.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.invitations.factories_invitations import invitation_world
from tests.rakor.factories_security import security_demo

pytestmark = pytest.mark.django_db

SELF, NONE = "'self'", "'none'"
CSP = {
    "default-src": {SELF},
    "script-src": {SELF},
    "style-src": {SELF},
    "img-src": {SELF, "data:"},
    "font-src": {SELF},
    "connect-src": {SELF, "ws://127.0.0.1:8000"},  # SITE_URL's WebSocket origin (tests: the default SITE_URL)
    "media-src": {SELF},
    "worker-src": {SELF},
    "manifest-src": {SELF},
    "frame-src": {NONE},
    "object-src": {NONE},
    "base-uri": {SELF},
    "form-action": {SELF},
    "frame-ancestors": {NONE},
}
# The only pages whose policy differs, and how.
CSP_CHANGES = {
    "attendance:portal": {"frame-src": {"https://www.youtube-nocookie.com"}},  # the agenda's live streams
    "sessions_join:watch": {"frame-src": {"https://www.youtube-nocookie.com"}},  # the embedded live stream
    "minutes:print": {"style-src": {SELF, "<nonce>"}},  # the notula stylesheet it shares with the PDF
}
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
PERMISSIONS_CHANGES = {"attendance:scanner": "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"}
OTHER_HEADERS = {"X-Content-Type-Options": "nosniff", "Cross-Origin-Opener-Policy": "same-origin",
                 "X-Frame-Options": "DENY"}


def parse_csp(header: str) -> dict[str, set[str]]:
    directives = {}
    for part in filter(None, (p.strip() for p in header.split(";"))):
        name, *values = part.split()
        directives[name] = set(values)
    return directives


class PageProblems(HTMLParser):
    """What in an HTML page the policy would block (or that only works by the grace of a nonce)."""

    def __init__(self, nonce: str | None, frame_src: set[str]):
        super().__init__(convert_charrefs=True)
        self.nonce, self.frame_src, self.problems = nonce, frame_src, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> (inline event handler)")
            if name == "style":
                self.problems.append(f"<{tag} style=…> (style attribute)")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:…>")
        if tag == "script":
            if a.get("src"):
                self._external(tag, a["src"])
            elif a.get("type") not in ("application/json", "application/ld+json"):
                self.problems.append("inline <script>")
        elif tag == "style" and (self.nonce is None or a.get("nonce") != self.nonce):
            self.problems.append("<style> without this response's nonce")
        elif tag == "link" and "stylesheet" in (a.get("rel") or "").split():
            self._external(tag, a.get("href") or "")
        elif tag == "iframe":
            src = urlsplit(a.get("src") or "")
            if f"{src.scheme}://{src.netloc}" not in self.frame_src:
                self.problems.append(f"<iframe src={a.get('src')!r}> outside frame-src")

    def _external(self, tag, url):
        if urlsplit(url).netloc:
            self.problems.append(f"<{tag}> from another origin: {url}")


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), f"{ns}" if ns else namespace)
        elif isinstance(p, URLPattern) and p.name:
            yield prefix + str(p.pattern), f"{namespace}:{p.name}" if namespace else p.name, p


@pytest.fixture
def demo():
    w = security_demo()
    w.update(invitation_world(event=w["event"], registration=w["coordinated"], by=w["users"]["panitia"]))
    return w


def _kwargs(name: str, route: str, w: dict) -> dict | None:
    """The URL's arguments from the demo world; None when this file does not know how to fill them."""
    event, archive = w["event"], w["archive"]
    uses_certificate = name in ("certificates:pdf", "certificates:revoke", "certificates:reissue",
                                "certificates:unit_zip", "certificates:portal_pdf")
    ev = archive if uses_certificate else event
    if name in ("minutes:item", "minutes:evidence_file"):
        ev = w["item"].minutes.session.event
    values = {
        "event": ev.slug, "slug": ev.slug,
        "secret": (w["certificate"].registration.portal_secret if uses_certificate else w["online"].portal_secret),
        "session": w["final"].session_id, "number": 1,
        "session_id": w["live"].pk, "day": w["live"].day.isoformat(),
        "code": w["certificate"].code, "unit_id": w["certificate"].registration.participant.unit_id,
        "registration": w["online"].pk, "public_id": w["coordinated"].public_id,
        "report_id": w["report"].pk, "row_id": w["row"].pk,
        "evidence": w["evidence"].pk, "question": w["question"].pk,
        "unit": w["coordinated"].participant.unit_id, "token": w["letter"].token,
        "question_id": 1,  # the questions' moderation and vote URLs are POST-only: 405 before any lookup
    }
    pk = {"attendance:organiser_device_revoke": w["device"].pk, "minutes:item": w["item"].pk,
          "minutes:evidence_file": w["item"].pk, "sessions:agenda_set_status": w["live"].pk,
          "api-session-status": w["live"].pk}
    params = re.findall(r"<(?:\w+:)?(\w+)>", route)
    kwargs = {}
    for p in params:
        if p == "pk" and name in pk:
            kwargs[p] = pk[name]
        elif p in values and p != "pk":
            kwargs[p] = values[p]
        else:
            return None
    return kwargs


ANONYMOUS = ("attendance:portal", "attendance:portal_", "sessions:portal_ical", "sessions_join:join",
             "sessions_join:watch", "sessions_join:heartbeat", "certificates:portal_pdf", "certificates:verify",
             "login", "attendance:event_detail", "attendance:register", "evaluation:portal_form",
             "questions:portal")


def _who(name: str) -> str | None:
    if name.startswith(ANONYMOUS):
        return None
    if name == "minutes:home":
        return "notulis"
    return "panitia"


def _admin_urls(w: dict):
    """Every admin page: index, each app, and for each registered model its list, add form and one object's
    pages (the add and delete pages where the model's admin allows them: some records are never added or
    deleted by hand)."""
    request = RequestFactory().get("/admin/")
    request.user = w["users"]["admin"]
    yield "admin:index", reverse("admin:index")
    yield "admin:password_change", reverse("admin:password_change")
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        base = f"admin:{opts.app_label}_{opts.model_name}"
        yield "admin:app_list", reverse("admin:app_list", kwargs={"app_label": opts.app_label})
        yield f"{base}_changelist", reverse(f"{base}_changelist")
        if model_admin.has_add_permission(request):
            yield f"{base}_add", reverse(f"{base}_add")
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            yield f"{base}_change", reverse(f"{base}_change", args=[obj.pk])
            yield f"{base}_history", reverse(f"{base}_history", args=[obj.pk])
            if model_admin.has_delete_permission(request, obj):
                yield f"{base}_delete", reverse(f"{base}_delete", args=[obj.pk])
    reg = w["online"]
    yield "admin:attendance_registration_import", reverse("admin:attendance_registration_import")
    yield "admin:attendance_registration_reject", reverse("admin:attendance_registration_reject", args=[reg.pk])
    yield "admin:attendance_registration_import_template", reverse(
        "admin:attendance_registration_import_template", args=[w["event"].pk])


def _check(name: str, url: str, response, problems: list[str]) -> None:
    where = f"{name} {url} ({response.status_code})"
    csp = response.headers.get("Content-Security-Policy")
    if csp is None:
        problems.append(f"{where}: no Content-Security-Policy")
        return
    got = parse_csp(csp)
    nonce = None
    for value in got.get("style-src", set()):
        if value.startswith("'nonce-"):
            nonce = value[len("'nonce-"):-1]
    expected = {**CSP, **CSP_CHANGES.get(name, {})}
    normalised = {k: {"<nonce>" if v.startswith("'nonce-") else v for v in vs} for k, vs in got.items()}
    if normalised != expected:
        problems.append(f"{where}: CSP {csp!r}")
    permissions = PERMISSIONS_CHANGES.get(name, PERMISSIONS)
    if response.headers.get("Permissions-Policy") != permissions:
        problems.append(f"{where}: Permissions-Policy {response.headers.get('Permissions-Policy')!r}")
    for header, value in OTHER_HEADERS.items():
        if response.headers.get(header) != value:
            problems.append(f"{where}: {header} {response.headers.get(header)!r}")
    portal = urlsplit(url).path.startswith("/t/")
    referrer = "no-referrer" if portal and 300 <= response.status_code < 400 else "same-origin"
    if response.headers.get("Referrer-Policy") != referrer:
        problems.append(f"{where}: Referrer-Policy {response.headers.get('Referrer-Policy')!r}, not {referrer!r}")
    if response.headers.get("Content-Type", "").startswith("text/html") and not response.streaming:
        parser = PageProblems(nonce, got.get("frame-src", set()))
        parser.feed(response.content.decode())
        problems.extend(f"{where}: {p}" for p in dict.fromkeys(parser.problems))


def test_every_page_carries_the_security_headers_and_nothing_the_policy_blocks(demo, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    clients: dict[str | None, Client] = {None: Client()}
    for username in ("panitia", "notulis", "admin"):
        clients[username] = Client()
        clients[username].force_login(demo["users"][username])

    problems, seen, unfilled = [], {}, []
    for route, name, _ in _walk(get_resolver().url_patterns):
        if name.startswith("admin:"):
            continue
        kwargs = _kwargs(name, route, demo)
        if kwargs is None:
            unfilled.append(f"{name} ({route})")
            continue
        url = reverse(name, kwargs=kwargs)
        response = clients[_who(name)].get(url)
        seen[name] = response.status_code
        _check(name, url, response, problems)
    for name, url in _admin_urls(demo):
        response = clients["admin"].get(url)
        seen[url] = response.status_code
        _check(name, url, response, problems)
    # The browser's view of the portal's join link: the redirect to the meeting platform sends no Referer.
    join = reverse("sessions_join:join", kwargs={"secret": demo["online"].portal_secret, "session_id": demo["live"].pk})
    assert (seen["sessions_join:join"], Client().get(join)["Location"]) == (302, demo["live"].meeting_url)
    # A page nobody has: the 404 carries the headers too.
    _check("404", "/tidak-ada/", clients[None].get("/tidak-ada/"), problems)

    assert unfilled == []  # a new URL: teach _kwargs its arguments
    assert problems == []
    # The walk saw the pages, not a wall of refusals: only POST-only views (405) and a few redirects.
    refused = {k: v for k, v in seen.items() if v in (401, 403, 404) or v >= 500}
    assert refused == {}
    assert len(seen) > 150
