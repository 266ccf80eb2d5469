"""Settings for bench/herd.py's application server: the project's own, as a production node runs them.

Nothing is added to the URLs (the bare floor is a server of its own: bench/settings_floor.py).
DEBUG off, the project's database settings (psycopg pool on PostgreSQL), Redis cache and channel
layer from REDIS_URL, the beat worker seals check-ins (not the request).
"""

from rakor.settings import *  # noqa: F401,F403

DEBUG = False
# A benchmark that hides its errors measures nothing: every 5xx traceback is printed; INFO lines
# (a log line per status change) would measure the terminal.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"rakor": {"handlers": ["console"], "level": "WARNING"},
                "django.request": {"handlers": ["console"], "level": "ERROR"}},
}
ATTENDANCE_SEAL_INLINE = False
