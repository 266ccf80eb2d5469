"""The bare floor of bench/herd.py (issue 15): Django with no middleware and no apps, one view.

The view (bench/urls_floor.py) does one INSERT and answers a redirect: what a join
must do at the least. Same database as the application and the same connection
handling (the project's DATABASES: psycopg's pool on PostgreSQL), served the same way
(uvicorn, 2 workers). No project middleware on purpose: the floor is what Django
itself costs, so the ratio shows what the project adds on top.
"""

from rakor.settings import DATABASES, SECRET_KEY, USE_TZ  # noqa: F401

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.urls_floor"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR"}},
}
