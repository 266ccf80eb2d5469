"""Settings for bench/checkin_api.py: the project's settings plus a baseline endpoint.

Everything else (database, Redis, middleware) is exactly what production runs.
"""

from rakor.settings import *  # noqa: F401,F403

ROOT_URLCONF = "bench.urls_checkin_bench"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
# Quiet: one log line per refused scan would measure the terminal, not the server.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"rakor": {"handlers": ["console"], "level": "WARNING"}},
}

# A benchmark that hides its errors measures nothing: print every 5xx traceback.
LOGGING = {**LOGGING, "loggers": {**LOGGING["loggers"], "django.request": {"handlers": ["console"], "level": "ERROR"}}}  # noqa: F405
# The database settings are the project's own (psycopg pool on PostgreSQL): what production runs.
# The check-in benchmarks measure the hot path as production runs it: the beat worker seals, not the request.
ATTENDANCE_SEAL_INLINE = False
