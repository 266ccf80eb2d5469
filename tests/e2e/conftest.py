"""Playwright against Debian's Chromium (never a downloaded browser) and pytest-django's live_server."""

import os

import pytest

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse ORM calls from it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class PolicyWatch:
    """What the Content-Security-Policy or the Permissions-Policy blocked in any page a browser test opened.

    Each context gets a listener for ``securitypolicyviolation`` events (reported through a binding, so
    navigations do not lose them) and its console is read for the browser's own policy messages (a
    blocked worker or a refused feature shows only there). ``_no_policy_violations`` below fails every
    browser test whose pages reported anything: the policy is enforced, so a report means something broke.
    """

    LISTENER = """document.addEventListener("securitypolicyviolation", (e) => window.rakorPolicyViolation(
        `${e.effectiveDirective} blocked ${e.blockedURI || "inline"} in ${e.documentURI}`
        + (e.sourceFile ? ` (${e.sourceFile}:${e.lineNumber})` : "")));"""
    CONSOLE = ("Content Security Policy", "Content-Security-Policy", "Permissions policy violation")

    def __init__(self):
        self.reports: list[str] = []

    def attach(self, context):
        context.expose_function("rakorPolicyViolation", self._report)
        context.add_init_script(self.LISTENER)
        context.on("console", self._console)
        return context

    def _report(self, text: str) -> None:
        self.reports.append(text)

    def _console(self, message):
        if any(marker in message.text for marker in self.CONSOLE):
            self.reports.append(f"console: {message.text}")


POLICY_WATCH = PolicyWatch()


class WatchedBrowser:
    """The Playwright browser, whose every new context (and page) is watched by POLICY_WATCH."""

    def __init__(self, browser, watch: PolicyWatch):
        self._browser, self._watch = browser, watch

    def new_context(self, **kwargs):
        return self._watch.attach(self._browser.new_context(**kwargs))

    def new_page(self, **kwargs):
        page = self._browser.new_page(**kwargs)  # its own context, closed with it
        self._watch.attach(page.context)
        return page

    def launch_another(self, extra_args: list[str]) -> "WatchedBrowser":
        """A second Chromium with more switches (a fake camera), watched the same way; the caller closes it."""
        other = self._browser.browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + extra_args,
                                                  headless=True)
        return WatchedBrowser(other, self._watch)

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield WatchedBrowser(browser, POLICY_WATCH)
        browser.close()


@pytest.fixture
def policy_watch():
    return POLICY_WATCH


@pytest.fixture(autouse=True)
def _no_policy_violations():
    """Every browser test runs with the site's CSP enforced: nothing may be reported as blocked."""
    POLICY_WATCH.reports.clear()
    yield
    reports, POLICY_WATCH.reports[:] = list(POLICY_WATCH.reports), []
    assert reports == [], "the Content-Security-Policy or Permissions-Policy blocked something"


@pytest.fixture
def phone(browser):
    """A phone-sized page, in Indonesian like most participants' phones."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def desk():
    """An event running today (all day, so the test does not depend on the clock), three registrations
    and a gate's scanner device: (event, registrations, device token). Used by the scanner tests."""
    import datetime as dt
    import uuid
    import zoneinfo

    from django.utils import timezone

    from attendance.models import CheckInWindow, ScannerDevice
    from tests.factories import EventFactory, ParticipantFactory, RegistrationFactory

    today = timezone.localtime(timezone.now(), zoneinfo.ZoneInfo("Asia/Jakarta")).date()
    event = EventFactory(start_date=today, end_date=today + dt.timedelta(days=1))
    for day in event.days:
        CheckInWindow.objects.create(event=event, date=day, opens=dt.time(0, 0), closes=dt.time(23, 59, 59))
    names = ["Dr. H. Ahmad Fauzi, M.Ag.", "Hj. Siti Rahmawati, S.E.", "Ir. Bambang Wibowo"]
    regs = [RegistrationFactory(event=event, participant=ParticipantFactory(full_name=n)) for n in names]
    token = uuid.uuid4().hex
    # Seen just now: the page's first two API calls (roster and count, at once) then only read the
    # device row; the "last seen" write of the first could lock the test's in-memory SQLite table
    # against the other (SQLITE_LOCKED, which no busy timeout waits out).
    ScannerDevice.objects.create(event=event, name="Pintu Utara", token_hash=ScannerDevice.hash_token(token),
                                 token_prefix=token[:8], last_seen_at=timezone.now())
    return event, regs, token
