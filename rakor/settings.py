"""Rakor settings.

Everything comes from the environment; with nothing set the project runs on the
embedded default (SQLite, in-memory channel layer, local-memory cache, jobs run
in-process, e-mail printed to the console). See README.md, "Settings".
"""

from pathlib import Path
import secrets

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()


def _default_secret_key() -> str:
    """A per-checkout key kept in var/, so `make run` needs no set-up."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="") or _default_secret_key()
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
REDIS_URL = env.str("REDIS_URL", default="")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "servestatic",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our own static files (no CDN)
    "django_filters",
    "channels",
    "rakor",
    "attendance",
    "sessions_app",
    "certificates",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "servestatic.middleware.ServeStaticMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "rakor.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "rakor.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

ASGI_APPLICATION = "rakor.asgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the ASGI server's threads write without "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE",
         "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
elif env.bool("DB_POOL", default=True):
    # Under ASGI each request's sync code runs in its own thread, so persistent
    # connections (CONN_MAX_AGE) are never reused and pile up; psycopg's pool is
    # Django's answer (and requires CONN_MAX_AGE=0).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DB_POOL_MIN", default=2),
        "max_size": env.int("DB_POOL_MAX", default=20),
        "timeout": env.int("DB_POOL_TIMEOUT", default=10),
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "rakor.cache.ProcessRedisCache", "LOCATION": REDIS_URL}}
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "capacity": 1500, "expiry": 30},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rakor"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Celery: a real broker when REDIS_URL is set, otherwise every task runs in-process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or None) or None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Jakarta"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/koordinator/"

LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # the static server warns when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
# ServeStatic (an async-capable WhiteNoise fork): a sync-only middleware here would cost every
# request two extra thread hops under ASGI (measured: half of a small request's CPU).
SERVESTATIC_USE_FINDERS = True
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "media"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=50 * 1024 * 1024)

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Rakor <noreply@rakor.local>")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # Check-in and scanner endpoints (and scanner devices) are exempt: see rakor.api_throttling.
    "DEFAULT_THROTTLE_CLASSES": ["rakor.api_throttling.AnonThrottle", "rakor.api_throttling.UserThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="120/min"),
        "user": env.str("API_THROTTLE_USER", default="1200/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Rakor API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "UnitKindEnum": "rakor.models.Unit.Kind",
        "CheckInKindEnum": "attendance.models.CheckIn.Kind",
        "SessionKindEnum": "sessions_app.models.Session.Kind",
        "SessionModeEnum": "sessions_app.models.Session.Mode",
        "SessionStatusEnum": "sessions_app.models.Session.Status",
        "DayModeEnum": "attendance.models.RegistrationDay.Mode",
        "RegistrationStatusEnum": "attendance.models.Registration.Status",
    },
}

# Domain settings
MINUTES_PER_JP = env.int("MINUTES_PER_JP", default=45)
PORTAL_GUESS_LIMIT = env.int("PORTAL_GUESS_LIMIT", default=20)  # unknown portal links per IP per window
PORTAL_GUESS_WINDOW = env.int("PORTAL_GUESS_WINDOW", default=600)  # seconds
CONSENT_VERSION = "2022-11-01"
# Keys the attendance chain (attendance/chain.py); SECRET_KEY when empty. Set it (and keep it) in
# production so that rotating SECRET_KEY does not make every sealed chain fail verification.
ATTENDANCE_CHAIN_KEY = env.str("ATTENDANCE_CHAIN_KEY", default="")
# Seal each check-in into the chain as it is committed. Default: only where tasks run in-process (no
# Redis, so no beat worker sealing every 5 s), so the embedded demo's check-ins are tamper-evident too.
ATTENDANCE_SEAL_INLINE = env.bool("ATTENDANCE_SEAL_INLINE", default=CELERY_TASK_ALWAYS_EAGER)
SESSIONS_END_GRACE_MINUTES = env.int("SESSIONS_END_GRACE_MINUTES", default=5)  # a live session may overrun its end

# Certificates (issue 6): the organiser's PKCS#12 signing certificate; without one, a self-signed
# demo certificate is generated into var/certificates/ unless CERTIFICATE_DEMO_SIGNER is off.
CERTIFICATE_PKCS12_PATH = env.str("CERTIFICATE_PKCS12_PATH", default="")
CERTIFICATE_PKCS12_PASSWORD = env.str("CERTIFICATE_PKCS12_PASSWORD", default="")
CERTIFICATE_DEMO_SIGNER = env.bool("CERTIFICATE_DEMO_SIGNER", default=True)
CERTIFICATE_RENDER_PROCESSES = env.int("CERTIFICATE_RENDER_PROCESSES", default=2)  # bulk runs render in parallel
CERTIFICATE_BATCH_SIZE = env.int("CERTIFICATE_BATCH_SIZE", default=100)  # certificates per batch (fonts subset once)
# Per-person text set by certificates/typeset.py into WeasyPrint's boxes (off: WeasyPrint lays out every certificate)
CERTIFICATE_FAST_PATH = env.bool("CERTIFICATE_FAST_PATH", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"rakor": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")}},
}

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    X_FRAME_OPTIONS = "DENY"
