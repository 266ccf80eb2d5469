"""Settings for bench/register_page.py: the project's own, plus a bare baseline route to compare against."""

from rakor.settings import *  # noqa: F401,F403

ROOT_URLCONF = "bench.urls_register_bench"
DEBUG = False
# The database settings are the project's own (psycopg pool on PostgreSQL): what production runs.
# A benchmark that hides its errors measures nothing: print every 5xx traceback.
LOGGING = {**LOGGING, "loggers": {**LOGGING["loggers"], "django.request": {"handlers": ["console"], "level": "ERROR"}}}  # noqa: F405
ATTENDANCE_SEAL_INLINE = False  # as in production: the beat worker seals, not the request
