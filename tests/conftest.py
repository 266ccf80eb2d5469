import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"


def _redis_database_per_worker() -> None:
    """Under pytest-xdist each worker gets its own Redis database (the next numbers after
    REDIS_URL's), as pytest-django gives each its own SQL database: a test that clears the
    cache, or broadcasts to an event's group, must not reach another worker's (both workers'
    factories make the same event slugs). pytest-django has already read the settings when
    this conftest loads, so the settings are changed too; nothing has connected to Redis yet,
    and servers the tests start get the new REDIS_URL from the environment."""
    import re

    from django.conf import settings

    worker, url = os.environ.get("PYTEST_XDIST_WORKER", ""), os.environ.get("REDIS_URL", "")
    match = re.fullmatch(r"(redis://[^/]+)(?:/(\d+))?", url)
    if not worker.startswith("gw") or not match:
        return
    base = int(match.group(2) or 0)
    new = f"{match.group(1)}/{(base + int(worker[2:])) % 16}"
    os.environ["REDIS_URL"] = new
    if settings.configured and getattr(settings, "REDIS_URL", "") == url:
        settings.REDIS_URL = new
        settings.CACHES["default"]["LOCATION"] = new
        settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = [new]
        for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
            if getattr(settings, name, None) == url:
                setattr(settings, name, new)


_redis_database_per_worker()


def _fast_password_hasher() -> None:
    """Tests hash passwords with MD5 (tests only: a password hashed here protects nothing).

    PBKDF2's 1,000,000 rounds cost ~0.3 s per hash and per sign-in; the suite makes thousands.
    """
    from django.conf import settings

    if settings.configured:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


_fast_password_hasher()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's language (Bahasa Indonesia) and leaves it so.

    Django keeps the active language per thread; a test that activates English (a request
    through a consumer, a mail rendered for an English-speaking recipient, a direct
    ``translation.activate``) and does not restore it would otherwise make the next test on
    the same xdist worker render English labels (CI once failed on exactly that)."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def pytest_collection_modifyitems(config, items):
    # Browser tests last: Playwright's sync API keeps an event loop running in this thread
    # from the first browser test to the end of the session, and async_to_sync refuses to
    # run beside it, so any later test that broadcasts would fail.
    items.sort(key=lambda item: "browser" in item.keywords)
    if shutil.which(CHROMIUM) or os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}: browser tests skipped (CI installs it)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True, scope="session")
def _celery_in_process():
    """Tests run tasks in-process even when REDIS_URL points at a real broker (CI's second run)."""
    from rakor.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Per-process caches keyed by primary keys that a rolled-back test may reuse."""
    from django.core.cache import cache

    from agenda.selectors import forget_local_agendas
    from attendance.authentication import forget_devices
    from attendance.checkin import _window_cache
    from attendance.portal_cache import forget_event_parts_here

    _window_cache.clear_here()
    forget_event_parts_here()
    forget_devices()
    forget_local_agendas()
    cache.clear()
    yield
    _window_cache.clear_here()
    forget_event_parts_here()
    forget_devices()
    forget_local_agendas()


@pytest.fixture
def door_clock():
    """The server's clock stopped at noon (Asia/Jakarta) of today's date, for tests whose scans go through
    the API: the server's clock decides a check-in's time (issue 19), so the hour a test runs at must not
    decide whether the door is open. Scans a test dates this morning are offline scans a few hours old."""
    import datetime as dt
    import zoneinfo

    import time_machine

    noon = dt.datetime.combine(dt.date.today(), dt.time(12), tzinfo=zoneinfo.ZoneInfo("Asia/Jakarta"))
    with time_machine.travel(noon, tick=False) as traveller:
        yield traveller


@pytest.fixture
def after_the_sessions():
    """The clock at 21:00 (Asia/Jakarta) of today's date, running: the test sessions of today (the factories put
    them in the morning and afternoon) have ended, so their minutes can be finalised (issue 12, item 6) whatever
    the hour the test runs at."""
    import datetime as dt
    import zoneinfo

    import time_machine

    evening = dt.datetime.combine(dt.date.today(), dt.time(21), tzinfo=zoneinfo.ZoneInfo("Asia/Jakarta"))
    with time_machine.travel(evening, tick=True) as traveller:
        yield traveller
