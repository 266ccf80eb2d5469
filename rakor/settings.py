"""Rakor settings.

Everything comes from the environment; with nothing set the project runs on the
embedded default (SQLite, in-memory channel layer, local-memory cache, jobs run
in-process, e-mail printed to the console). See README.md, "Settings".
"""

import base64
import datetime as dt
import hashlib
from pathlib import Path
import ipaddress
import secrets
from urllib.parse import urlsplit

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
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
SECRET_KEY_FROM_ENVIRONMENT = bool(env.str("SECRET_KEY", default=""))  # rakor.checks: a per-node key is refused
# Old SECRET_KEYs still accepted (Django's rotation), comma-separated: sessions and signed values made
# with them stay valid, and the keys derived from them below still open what they sealed.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])


def _derived_key(purpose: str, secret: str) -> str:
    """A Fernet key (32 bytes, urlsafe base64) for one purpose, derived from a high-entropy secret."""
    return base64.urlsafe_b64encode(hashlib.sha256(f"rakor:{purpose}:{secret}".encode()).digest()).decode()


# Fernet keys sealing each event's Ed25519 ticket signing key in the database (rakor/signing.py), comma-separated:
# the first seals, every one opens. Rotate: put a new key (Fernet.generate_key()) first and the old ones after it,
# run `manage.py rotate_ticket_keys`, then drop the old ones. Unset: derived from SECRET_KEY (and, to open, from
# each of SECRET_KEY_FALLBACKS), so app nodes sharing SECRET_KEY agree with nothing more to set. Set it in
# production: then rotating SECRET_KEY never touches the ticket keys, and a leaked SECRET_KEY alone opens nothing.
TICKET_KEY_ENCRYPTION_KEYS = env.list("TICKET_KEY_ENCRYPTION_KEYS", default=[]) or [
    _derived_key("ticket-keys", secret) for secret in (SECRET_KEY, *SECRET_KEY_FALLBACKS)]

DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
REDIS_URL = env.str("REDIS_URL", default="")
# Reverse proxies / load balancers whose X-Forwarded-For and X-Forwarded-Proto are believed (addresses or
# CIDR ranges, e.g. "10.0.0.0/8,127.0.0.1"); empty: no header is believed, the peer is the client (rakor/net.py).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy.strip(), strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_proxy!r} is not an address or CIDR range ({_error})")

INSTALLED_APPS = [
    "daphne",
    "django_prometheus",  # metrics at /metrics (rakor/metrics.py); its middlewares are wrapped there
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
    "csp",  # django-csp: its system checks and template tags; the header comes from rakor.security_headers
    "rakor",
    "agenda",
    "attendance",
    "minutes",
    "certificates",
    "evaluation",  # the participants' evaluation (issue 17): above attendance and certificates
    "invitations",  # the official invitation (surat undangan), delegations against it, surat tugas
    "sessions_app",  # only its old migrations: the tables its models made now belong to agenda, attendance, minutes
    "questions",  # questions from the floor and online during a live session (tanya jawab)
    "console",  # front end across apps: front door, landing per role, organisers' event console
    "reports",  # the activity report (laporan kegiatan): above every app it reports on
]

MIDDLEWARE = [
    "rakor.metrics.PrometheusBeforeMiddleware",  # first and last (below): the whole request's latency
    "rakor.middleware.TrustedProxyMiddleware",  # the scheme behind a trusted proxy, for everything after
    "rakor.observability.RequestIdMiddleware",  # the request id in every log line; a full pool answers 503
    "django.middleware.security.SecurityMiddleware",
    "servestatic.middleware.ServeStaticMiddleware",
    "rakor.security_headers.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "rakor.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "rakor.uploads.UploadLimitMiddleware",  # before CSRF, which reads the form
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "rakor.metrics.PrometheusAfterMiddleware",
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
                "rakor.context_processors.roles",
            ],
        },
    },
]

ASGI_APPLICATION = "rakor.asgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# --- database pool ---
# psycopg's pool per process (DB_POOL_MAX). Budget (README): app nodes x uvicorn workers x DB_POOL_MAX
# (+ Celery processes + beat) <= PostgreSQL's max_connections (or PgBouncer's max_client_conn). A request
# that waits DB_POOL_TIMEOUT seconds for a connection is answered 503 with Retry-After (rakor.observability).
DB_POOL_TIMEOUT = env.float("DB_POOL_TIMEOUT", default=2)
DB_POOL_RETRY_AFTER = env.int("DB_POOL_RETRY_AFTER", default=2)  # seconds, in the 503's Retry-After
DISABLE_SERVER_SIDE_CURSORS = env.bool("DISABLE_SERVER_SIDE_CURSORS", default=False)
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=not DISABLE_SERVER_SIDE_CURSORS)
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
        "timeout": DB_POOL_TIMEOUT,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# PgBouncer in transaction mode (README "Database for many nodes"): a server-side cursor (Django's iterator())
# must not outlive the transaction that declared it, and a statement prepared on one server connection is
# unknown on the next. DISABLE_SERVER_SIDE_CURSORS=1 turns both off unless DATABASE_PREPARED_STATEMENTS says
# otherwise (Django's own cursors never prepare; attendance/checkin.py asks for it on two hot statements).
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = DISABLE_SERVER_SIDE_CURSORS
# --- end database pool ---
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The Redis cache degrades to each process's memory when Redis fails (rakor/cache.py): a request waits at most
# REDIS_CACHE_TIMEOUT seconds (connect, then each reply), and Redis is tried again every REDIS_CACHE_RETRY_SECONDS.
REDIS_CACHE_TIMEOUT = env.float("REDIS_CACHE_TIMEOUT", default=0.5)
REDIS_CACHE_RETRY_SECONDS = env.float("REDIS_CACHE_RETRY_SECONDS", default=5)
if REDIS_URL:
    CACHES = {"default": {
        "BACKEND": "rakor.cache.ProcessRedisCache", "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": REDIS_CACHE_TIMEOUT, "socket_timeout": REDIS_CACHE_TIMEOUT},
    }}
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "capacity": 1500, "expiry": 30},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rakor"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Heartbeats (issue 15): with Redis, the served heartbeat collects beats there (one per person per bucket)
# and the worker folds them into OnlineAttendance every HEARTBEAT_FOLD_SECONDS (attendance/online/beats.py).
HEARTBEAT_COLLECT = env.bool("HEARTBEAT_COLLECT", default=True)
HEARTBEAT_BUCKET_SECONDS = env.int("HEARTBEAT_BUCKET_SECONDS", default=30)
HEARTBEAT_FOLD_SECONDS = env.float("HEARTBEAT_FOLD_SECONDS", default=15)
# The join link and the heartbeat answered in front of Django (attendance/online/fastpath.py, rakor/asgi.py).
ONLINE_FAST_PATH = env.bool("ONLINE_FAST_PATH", default=True)

# --- celery ---
# Celery: a real broker when REDIS_URL is set, otherwise every task runs in-process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
# Nobody reads a task's result: results are off (no result store) unless one is asked for here.
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Jakarta"
# Three queues, a worker (systemd: rakor-worker@<queue>) for each, so one queue's backlog (a mass mailing,
# a bulk certificate run) never holds up another's work (sessions going live on time, check-ins sealed).
# Every task is routed (tests/rakor/test_celery.py holds every registered task to a route).
CELERY_TASK_DEFAULT_QUEUE = "periodic"
CELERY_TASK_ROUTES = {
    "sessions_app.tasks.sessions_tick_task": {"queue": "periodic"},
    "attendance.tasks.seal_attendance_task": {"queue": "periodic"},
    "attendance.tasks.fold_heartbeats_task": {"queue": "periodic"},
    "certificates.tasks.resume_stale_runs_task": {"queue": "periodic"},
    "certificates.tasks.issue_certificates_task": {"queue": "certificates"},
    "certificates.tasks.delete_certificate_files": {"queue": "certificates"},
    "reports.tasks.generate_report_task": {"queue": "certificates"},  # the activity report: a large PDF
    "attendance.tasks.send_portal_link": {"queue": "email"},
    "certificates.tasks.send_certificate_email": {"queue": "email"},
    "invitations.tasks.send_unit_letter": {"queue": "email"},
}
# A message is acknowledged when its task has finished, not when it was received: a worker lost mid-task
# leaves it to be delivered again (every task is idempotent; an e-mail may then go out twice, never not at
# all). The bulk certificate run is the exception (certificates/tasks.py): a beat sweep resumes a lost run.
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # a worker takes one message at a time: no task waits behind a long one
# Redis redelivers a message not acknowledged within this many seconds; longer than any task's time limit.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# Time limits (seconds) for every task without its own: soft (an exception the task may handle), then hard.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
# A bulk certificate run is killed after this many seconds; the sweep then resumes it where it stopped.
CERTIFICATE_RUN_TIME_LIMIT = env.int("CERTIFICATE_RUN_TIME_LIMIT", default=4 * 3600)
# E-mail: retried with exponential backoff on SMTP or network errors (30 s, 60 s, ... at most 10 min apart).
EMAIL_TASK_MAX_RETRIES = env.int("EMAIL_TASK_MAX_RETRIES", default=8)
CELERY_BEAT_SCHEDULER = "rakor.celery:BeatScheduler"  # records each tick for health (rakor.ops.beat_last_tick)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in throttle (rakor/signin.py), first: a locked name or address is refused before any password hash.
AUTHENTICATION_BACKENDS = ["rakor.signin.SignInThrottleBackend", "django.contrib.auth.backends.ModelBackend"]
SIGNIN_ACCOUNT_LIMIT = env.int("SIGNIN_ACCOUNT_LIMIT", default=5)  # failed sign-ins of one name per window
SIGNIN_ADDRESS_LIMIT = env.int("SIGNIN_ADDRESS_LIMIT", default=30)  # ... of one address (a venue shares one)
SIGNIN_LOCK_MINUTES = env.int("SIGNIN_LOCK_MINUTES", default=15)  # the window, and the first lock; each next lock x2
SIGNIN_LOCK_MAX_HOURS = env.int("SIGNIN_LOCK_MAX_HOURS", default=24)  # the longest lock
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "console:landing"  # /akun/beranda/: each role's work (console.landing)
CSRF_FAILURE_VIEW = "rakor.views_errors.csrf_failure"

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

# --- storage ---
# Media (certificate PDFs, uploads, import files waiting for their confirmation, evidence) go through Django's
# storage API only (default_storage / FileField), never a local path: on S3-compatible object storage
# (django-storages) when AWS_STORAGE_BUCKET_NAME is set, so every app node and worker sees the same files;
# on the local disk (MEDIA_ROOT) otherwise, which is right for one machine only. django-storages' own names.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None  # None: Amazon S3 itself
AWS_ACCESS_KEY_ID = env.str("AWS_ACCESS_KEY_ID", default="") or None  # None: boto3's own chain (IAM role, ~/.aws)
AWS_SECRET_ACCESS_KEY = env.str("AWS_SECRET_ACCESS_KEY", default="") or None
AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="") or None
AWS_S3_ADDRESSING_STYLE = env.str("AWS_S3_ADDRESSING_STYLE", default="") or None  # "path" for most MinIO set-ups
AWS_S3_SIGNATURE_VERSION = "s3v4"
AWS_LOCATION = env.str("AWS_LOCATION", default="")  # a folder (key prefix) inside the bucket, if it is shared
AWS_DEFAULT_ACL = None  # the bucket stays private: files reach people through the app or a signed URL
AWS_QUERYSTRING_AUTH = True
# Seconds a signed download URL stays valid (downloads are redirected to one, see MEDIA_DOWNLOAD_REDIRECT).
AWS_QUERYSTRING_EXPIRE = env.int("AWS_QUERYSTRING_EXPIRE", default=300)
# Never overwrite a file of the same name (the local disk's behaviour): two templates' "latar.png" stay two files.
AWS_S3_FILE_OVERWRITE = False
# Downloads from object storage: redirect the browser to a short-lived signed URL of the bucket (the app node
# does not carry the bytes), or stream them through the app (0: when browsers cannot reach the storage's address).
MEDIA_DOWNLOAD_REDIRECT = env.bool("MEDIA_DOWNLOAD_REDIRECT", default=True)
STORAGES = {
    "default": {"BACKEND": "storages.backends.s3.S3Storage"} if AWS_STORAGE_BUCKET_NAME else
    {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Uploads are refused by size before they are read (rakor.uploads): a view marked
# @upload_limit("X") takes settings.X bytes, any other UPLOAD_MAX_BYTES.
FILE_UPLOAD_HANDLERS = [
    "rakor.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
VERIFY_UPLOAD_MAX_BYTES = env.int("VERIFY_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
MEETING_REPORT_MAX_BYTES = env.int("MEETING_REPORT_MAX_BYTES", default=5 * 1024 * 1024)
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
SURAT_TUGAS_MAX_BYTES = env.int("SURAT_TUGAS_MAX_BYTES", default=5 * 1024 * 1024)
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
# Bounds on reading a spreadsheet (rakor.tabular), checked before openpyxl reads it. Sized for
# 250,000 rows: such an .xlsx unpacks to about 190 MB with the template's 12 columns.
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=250_000)
IMPORT_MAX_UNCOMPRESSED_BYTES = env.int("IMPORT_MAX_UNCOMPRESSED_BYTES", default=400 * 1024 * 1024)

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
    # Check-in and scanner endpoints set their own throttle_classes (none): attendance.api.checkins, attendance.api.scanner.
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
        # A name of its own, not a hash ("Result7A9Enum"), for generated clients (issue 13, item 8).
        "CheckInResultEnum": "attendance.models.CheckIn.Result",
        "SessionKindEnum": "agenda.models.Session.Kind",
        "SessionModeEnum": "agenda.models.Session.Mode",
        "SessionStatusEnum": "agenda.models.Session.Status",
        "DayModeEnum": "attendance.models.RegistrationDay.Mode",
        "RegistrationStatusEnum": "attendance.models.Registration.Status",
        # Two "result" fields: every answer of a check-in, and the 401's one answer (attendance/api.py).
        "CheckInResultEnum": "attendance.models.CheckIn.Result",
        "CheckInDeviceExpiredResultEnum": ["device_expired"],
    },
}

# Domain settings
MINUTES_PER_JP = env.int("MINUTES_PER_JP", default=45)
# Evaluation results (and each in-person/online breakdown) appear only from this many respondents per group.
EVALUATION_MIN_GROUP = env.int("EVALUATION_MIN_GROUP", default=5)
PORTAL_GUESS_LIMIT = env.int("PORTAL_GUESS_LIMIT", default=20)  # unknown portal links per IP per window
PORTAL_GUESS_WINDOW = env.int("PORTAL_GUESS_WINDOW", default=600)  # seconds
# A portal page rendered for a person is kept this long (seconds) under its ETag state and served again to a reload
# or second device without a validator (attendance.portal_cache.portal_page); 0: always rendered.
PORTAL_PAGE_SECONDS = env.int("PORTAL_PAGE_SECONDS", default=120)
# "Resend my link" (/e/<event>/tautan-hilang/): requests per client address, and per NIP/e-mail asked
# about, within the window; past either, the form answers 429 (the same for registered and unknown people).
RESEND_LINK_LIMIT = env.int("RESEND_LINK_LIMIT", default=5)
RESEND_LINK_PER_PERSON = env.int("RESEND_LINK_PER_PERSON", default=3)
RESEND_LINK_WINDOW = env.int("RESEND_LINK_WINDOW", default=3600)  # seconds
CONSENT_VERSION = "2022-11-01"
# Version of the notice (attendance.forms.PUBLIC_TASK_NOTICE) shown to coordinators, organisers and importers
# who register other people; recorded with each such registration. Change it when the text changes.
PUBLIC_TASK_NOTICE_VERSION = "2026-12-03"
# Keys the attendance chain (attendance/chain.py); SECRET_KEY when empty. Set it (and keep it) in
# production so that rotating SECRET_KEY does not make every sealed chain fail verification.
ATTENDANCE_CHAIN_KEY = env.str("ATTENDANCE_CHAIN_KEY", default="")
# Seal each check-in into the chain as it is committed. Default: only where tasks run in-process (no
# Redis, so no beat worker sealing every 5 s), so the embedded demo's check-ins are tamper-evident too.
ATTENDANCE_SEAL_INLINE = env.bool("ATTENDANCE_SEAL_INLINE", default=CELERY_TASK_ALWAYS_EAGER)
SESSIONS_END_GRACE_MINUTES = env.int("SESSIONS_END_GRACE_MINUTES", default=5)  # a live session may overrun its end

# The registration desk (issue 19). Searches by name/NIP per scanner device or per signed-in account
# (DRF rate: N/sec|min|hour|day).
DESK_SEARCH_RATE = env.str("DESK_SEARCH_RATE", default="30/min")
# The server's clock decides a check-in's time (attendance/checkin.py, scan_time). A scanner's own
# time counts only for an offline-queued scan sent within this many hours (an event's own
# "offline_scan_hours" overrides it), and at most this many seconds ahead of the server (then the
# server's time is used); a scanner device works until its event's last day ends plus the grace.
CHECKIN_OFFLINE_MAX_HOURS = env.int("CHECKIN_OFFLINE_MAX_HOURS", default=12)
CHECKIN_CLOCK_SKEW_SECONDS = env.int("CHECKIN_CLOCK_SKEW_SECONDS", default=120)
SCANNER_DEVICE_GRACE_HOURS = env.int("SCANNER_DEVICE_GRACE_HOURS", default=24)
# The hours of a day's check-in when the event sets none for it (attendance.CheckInWindow overrides).
CHECKIN_DEFAULT_WINDOW = (dt.time(6, 0), dt.time(22, 0))

# Certificates (issue 6): the organiser's PKCS#12 signing certificate; without one, a self-signed
# demo certificate is generated into var/certificates/ unless CERTIFICATE_DEMO_SIGNER is off.
CERTIFICATE_PKCS12_PATH = env.str("CERTIFICATE_PKCS12_PATH", default="")
CERTIFICATE_PKCS12_PASSWORD = env.str("CERTIFICATE_PKCS12_PASSWORD", default="")
# The demo signer's PKCS#12 (var/certificates/demo-signer.p12) is encrypted with CERTIFICATE_PKCS12_PASSWORD
# when set, otherwise with a password derived from SECRET_KEY; the passwords derived from SECRET_KEY_FALLBACKS
# still open it (and it is re-encrypted with the current one when they do).
CERTIFICATE_DEMO_PKCS12_PASSWORDS = [CERTIFICATE_PKCS12_PASSWORD] if CERTIFICATE_PKCS12_PASSWORD else [
    _derived_key("demo-pkcs12", secret) for secret in (SECRET_KEY, *SECRET_KEY_FALLBACKS)]
CERTIFICATE_DEMO_SIGNER = env.bool("CERTIFICATE_DEMO_SIGNER", default=True)
# With DEBUG off the demo signer must be asked for by name (rakor.checks): each node would make its own.
CERTIFICATE_DEMO_SIGNER_CHOSEN = env.str("CERTIFICATE_DEMO_SIGNER", default="") != ""
CERTIFICATE_RENDER_PROCESSES = env.int("CERTIFICATE_RENDER_PROCESSES", default=2)  # bulk runs render in parallel
CERTIFICATE_BATCH_SIZE = env.int("CERTIFICATE_BATCH_SIZE", default=100)  # certificates per batch (fonts subset once)
# The fast path (certificates/fast/: per-person text set into WeasyPrint's boxes, files written and signed byte
# by byte) where its verified library versions are installed (certificates/fast/versions.py); off, or with other
# versions, every certificate is made by the stock path (WeasyPrint, pypdf and pyHanko through their public APIs).
CERTIFICATE_FAST_PATH = env.bool("CERTIFICATE_FAST_PATH", default=True)
CERTIFICATE_SIGNING_LOCATION = env.str("CERTIFICATE_SIGNING_LOCATION", default="Jakarta")  # the signature's /Location

# --- observability ---
# Logs: one JSON object per line on stderr (LOG_FORMAT=json, the default with DEBUG off), each with the
# request id (nginx's X-Request-ID from a trusted proxy, else one made here: rakor.observability). The root
# logger, so Django's own (django.request: every 500, with its traceback) and uvicorn's are written too.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "rakor.observability.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "rakor.observability.JsonFormatter"},
        "text": {"()": "rakor.observability.TextFormatter",
                 "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "rakor": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "uvicorn": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "uvicorn.access": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "celery": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
# Error reporting (Sentry or compatible) when SENTRY_DSN is set: rakor.observability.init_sentry, from apps.py.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="production")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
# /metrics answers a client on this machine, in TRUSTED_PROXIES (rakor/net.py's client address), or one that
# sends "Authorization: Bearer <METRICS_TOKEN>"; anyone else gets 404. nginx never forwards /metrics.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# /readyz: beat's last tick older than this is reported stale (rakor.ops.beat_last_tick).
BEAT_STALE_SECONDS = env.int("BEAT_STALE_SECONDS", default=120)
# How many app nodes serve this installation: more than one needs shared media (object storage).
APP_NODES = env.int("APP_NODES", default=1)
# The demo signer is for a trial: with DEBUG off it must be asked for (CERTIFICATE_DEMO_SIGNER=1) and
# rakor.checks names it; without it and without a PKCS#12 the deploy check fails.
# --- end observability ---

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True

# --- https ---
# Behind nginx (which ends TLS) or any HTTPS proxy. Django's SECURE_PROXY_SSL_HEADER believes the header
# from anyone; rakor.middleware.TrustedProxyMiddleware removes X-Forwarded-Proto unless the peer is one of
# TRUSTED_PROXIES, so the setting below is only ever fed by a proxy we trust.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
# Load balancers and Prometheus talk plain HTTP to the node itself.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=SECURE_SSL_REDIRECT)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=SECURE_SSL_REDIRECT)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = []
if SECURE_HSTS_SECONDS and not SECURE_HSTS_PRELOAD:
    # Preloading is a separate decision (a submission to the browsers' list, slow to undo), not a default:
    # security.W021 only says it is off.
    SILENCED_SYSTEM_CHECKS.append("security.W021")
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Origins allowed to POST (forms, the API with a session): the public address when not given.
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[]) or (
    [f"{urlsplit(SITE_URL).scheme}://{urlsplit(SITE_URL).netloc}"] if urlsplit(SITE_URL).netloc else [])
# --- end https ---

# Security headers on every page (issue 19; README "Security"). Django's SecurityMiddleware sends the
# first three, XFrameOptionsMiddleware the fourth, rakor.security_headers the CSP and Permissions-Policy.
# The participant portal, whose URLs are credentials, sets its own Referrer-Policy on its redirects
# (rakor.access.private_response: no-referrer).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Our own WebSocket origin, for browsers whose 'self' does not cover ws:/wss: (Safari before 15.4).
_WEBSOCKET_ORIGIN = ("wss://" if SITE_URL.startswith("https:") else "ws://") + urlsplit(SITE_URL).netloc
# django-csp. Every script, style, font and image is one of our own static files: no inline <script>,
# no on*= handler, no inline <style> or style= attribute (pages pass server data with json_script or
# data- attributes). Widened per view only where a page needs it, with csp.decorators.csp_update /
# csp_replace: the portal and the stream page frame YouTube's privacy-enhanced player
# (rakor.security_headers.allow_stream_embed); the minutes' print view
# carries the notula's stylesheet (shared with its PDF) in a <style> with a per-request nonce.
# 'data:' images are the QR codes. No 'unsafe-eval', no 'wasm-unsafe-eval': the scanner decodes QR
# codes with the browser's BarcodeDetector or jsQR (plain JavaScript) and verifies Ed25519 with
# WebCrypto or @noble/ed25519 (plain JavaScript); its service worker is a same-origin script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF, _WEBSOCKET_ORIGIN],
        "media-src": [SELF],
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "frame-src": [NONE],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
CONTENT_SECURITY_POLICY_REPORT_ONLY = None  # no report-only policy beside the enforced one (django-csp)
# Browser features no page uses are switched off; the scanner page turns the camera on for itself
# (rakor.security_headers.permissions_policy_update).
PERMISSIONS_POLICY = {"camera": [], "microphone": [], "geolocation": [], "payment": [], "usb": []}
