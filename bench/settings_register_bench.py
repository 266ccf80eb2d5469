"""Settings for bench/register_page.py: the project's own, plus a bare baseline route to compare against."""

from rakor.settings import *  # noqa: F401,F403

ROOT_URLCONF = "bench.urls_register_bench"
DEBUG = False
# Under ASGI each request runs its sync code in its own thread, so persistent
# connections are never reused and pile up until PostgreSQL refuses clients.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = False  # noqa: F405
# A benchmark that hides its errors measures nothing: print every 5xx traceback.
LOGGING = {**LOGGING, "loggers": {**LOGGING["loggers"], "django.request": {"handlers": ["console"], "level": "ERROR"}}}  # noqa: F405
