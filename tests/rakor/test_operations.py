"""Production settings, start-up checks, health, metrics, logs and a full pool (issue 14, items 2, 3, 6, 7)."""

import io
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import Error
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import OperationalError, connection
from django.test import override_settings
from django.urls import include, path

from rakor import checks
from rakor.ops import BEAT_TICK_KEY, beat_last_tick, record_beat_tick
from tests.factories import EventFactory, RegistrationFactory

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")

GOOD = dict(
    DEBUG=False, REDIS_URL="redis://redis.internal:6379/0", SECRET_KEY="k" * 20 + "Zq3kY8w0pXf7Nn2LrT5vB1cD9sH4jK6mQ0",
    SECRET_KEY_FROM_ENVIRONMENT=True, ATTENDANCE_CHAIN_KEY="c" * 8 + "Nn2LrT5vB1cD9sH4jK6mQ0aE3uI8",
    CERTIFICATE_PKCS12_PATH="", CERTIFICATE_DEMO_SIGNER=True, CERTIFICATE_DEMO_SIGNER_CHOSEN=True,
    SITE_URL="https://rakor.example.go.id", APP_NODES=1,
)
POSTGRES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "rakor"}}


def problems(**changes) -> list[str]:
    with override_settings(**{**GOOD, "DATABASES": POSTGRES, **changes}):
        return [f"{p.id} {p.msg}" for p in checks.production_problems()]


# ---------------------------------------------------------------- refuse to start half-configured

def test_the_documented_production_settings_raise_nothing():
    assert problems() == []


@pytest.mark.parametrize("changes, line", [
    ({"DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db"}}},
     "rakor.E001 DATABASE_URL: the database is sqlite3; production needs PostgreSQL"),
    ({"REDIS_URL": ""}, "rakor.E002 REDIS_URL is not set"),
    ({"SECRET_KEY_FROM_ENVIRONMENT": False}, "rakor.E003 SECRET_KEY is not set: each node would make its own"),
    ({"SECRET_KEY": "short-key"}, "rakor.E003 SECRET_KEY is too short or too simple"),
    ({"ATTENDANCE_CHAIN_KEY": ""}, "rakor.E004 ATTENDANCE_CHAIN_KEY is not set"),
    ({"ATTENDANCE_CHAIN_KEY": "abc"}, "rakor.E004 ATTENDANCE_CHAIN_KEY is too short or too simple"),
    ({"CERTIFICATE_DEMO_SIGNER_CHOSEN": False}, "rakor.E005 CERTIFICATE_PKCS12_PATH is not set"),
    ({"CERTIFICATE_DEMO_SIGNER": False}, "rakor.E005 CERTIFICATE_PKCS12_PATH is not set"),
    ({"CERTIFICATE_PKCS12_PATH": "/nowhere/signer.p12"}, "rakor.E005 CERTIFICATE_PKCS12_PATH: no file at /nowhere"),
    ({"SITE_URL": "http://127.0.0.1:8000"}, "rakor.E006 SITE_URL is unset or a loopback address (http://127.0.0.1"),
    ({"SITE_URL": "http://localhost"}, "rakor.E006 SITE_URL is unset or a loopback address"),
    ({"SITE_URL": "https://[::1]:8443"}, "rakor.E006 SITE_URL is unset or a loopback address"),
    ({"APP_NODES": 3}, "rakor.E007 APP_NODES=3 but media are on this node's disk"),
])
def test_each_missing_or_unsafe_setting_is_one_clear_line(changes, line):
    found = problems(**changes)
    assert len(found) == 1
    assert found[0].startswith(line)


def test_local_media_is_fine_on_one_node_and_object_storage_on_many():
    s3 = {"default": {"BACKEND": "storages.backends.s3.S3Storage"},
          "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    assert problems(APP_NODES=1) == []
    assert problems(APP_NODES=3, STORAGES=s3) == []


def test_check_deploy_fails_naming_every_problem_and_is_silent_in_development():
    with override_settings(**{**GOOD, "REDIS_URL": "", "SITE_URL": "http://127.0.0.1:8000"}):
        with pytest.raises(SystemCheckError) as raised:
            call_command("check", "--deploy", stdout=io.StringIO(), stderr=io.StringIO())
    text = str(raised.value)
    assert "(rakor.E002) REDIS_URL is not set" in text
    assert "(rakor.E006) SITE_URL is unset or a loopback address (http://127.0.0.1:8000)" in text
    with override_settings(**{**GOOD, "DEBUG": True, "REDIS_URL": ""}):
        assert checks.production_settings() == []


def test_all_findings_are_errors_so_the_deploy_check_fails():
    found = []
    sqlite = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db"}}
    with override_settings(DEBUG=False, REDIS_URL="", SITE_URL="http://127.0.0.1:8000", SECRET_KEY_FROM_ENVIRONMENT=False,
                           ATTENDANCE_CHAIN_KEY="", CERTIFICATE_DEMO_SIGNER_CHOSEN=False, APP_NODES=2,
                           DATABASES=sqlite):
        found = checks.production_settings()
    assert sorted({p.id for p in found}) == [f"rakor.E00{n}" for n in range(1, 8)]
    assert all(isinstance(p, Error) for p in found)


def settings_from_environment(**environ) -> dict:
    """rakor/settings.py read in a fresh process with this environment (as a node would start)."""
    names = ("CSRF_TRUSTED_ORIGINS", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
             "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
             "SECURE_PROXY_SSL_HEADER", "DATABASE_PREPARED_STATEMENTS", "SILENCED_SYSTEM_CHECKS", "LOG_FORMAT")
    code = ("import json, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'rakor.settings'\n"
            "from django.conf import settings\n"
            f"out = {{n: getattr(settings, n, None) for n in {names!r}}}\n"
            "db = settings.DATABASES['default']\n"
            "out['DISABLE_SERVER_SIDE_CURSORS'] = db.get('DISABLE_SERVER_SIDE_CURSORS')\n"
            "out['pool'] = db.get('OPTIONS', {}).get('pool')\n"
            "print(json.dumps(out))\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "CSRF_", "SESSION_COOKIE", "DB_POOL",
                                                                    "DISABLE_SERVER", "DATABASE_", "SITE_URL",
                                                                    "TRUSTED_PROXIES", "DEBUG", "LOG_FORMAT"))}
    env.update(environ)
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_https_settings_come_from_the_environment():
    got = settings_from_environment(SITE_URL="https://rakor.example.go.id", SECURE_SSL_REDIRECT="1",
                                    SECURE_HSTS_SECONDS="3600", TRUSTED_PROXIES="10.0.0.0/24")
    assert got["CSRF_TRUSTED_ORIGINS"] == ["https://rakor.example.go.id"]  # derived from SITE_URL
    assert (got["SECURE_SSL_REDIRECT"], got["SESSION_COOKIE_SECURE"], got["CSRF_COOKIE_SECURE"]) == (True, True, True)
    assert (got["SECURE_HSTS_SECONDS"], got["SECURE_HSTS_INCLUDE_SUBDOMAINS"], got["SECURE_HSTS_PRELOAD"]) == (
        3600, True, False)
    assert got["SILENCED_SYSTEM_CHECKS"] == ["security.W021"]  # preload off is a choice, said in env.example
    assert got["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert got["LOG_FORMAT"] == "json"
    plain = settings_from_environment(CSRF_TRUSTED_ORIGINS="https://a.example,https://b.example")
    assert plain["CSRF_TRUSTED_ORIGINS"] == ["https://a.example", "https://b.example"]
    assert plain["SECURE_PROXY_SSL_HEADER"] is None  # no trusted proxy: no header is believed
    assert (plain["SECURE_SSL_REDIRECT"], plain["SECURE_HSTS_SECONDS"], plain["SILENCED_SYSTEM_CHECKS"]) == (False, 0, [])


def test_pgbouncer_settings_and_the_pool_come_from_the_environment():
    pg = "postgres://rakor@127.0.0.1:6432/rakor"
    bouncer = settings_from_environment(DATABASE_URL=pg, DISABLE_SERVER_SIDE_CURSORS="1", DB_POOL_MAX="7",
                                        DB_POOL_TIMEOUT="1.5")
    assert bouncer["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert bouncer["DATABASE_PREPARED_STATEMENTS"] is False  # transaction mode loses them between transactions
    assert bouncer["pool"] == {"min_size": 2, "max_size": 7, "timeout": 1.5}
    direct = settings_from_environment(DATABASE_URL=pg)
    assert (direct["DISABLE_SERVER_SIDE_CURSORS"], direct["DATABASE_PREPARED_STATEMENTS"]) == (False, True)
    assert direct["pool"]["timeout"] == 2.0  # a full pool answers 503 within seconds, not after 10
    chosen = settings_from_environment(DATABASE_URL=pg, DISABLE_SERVER_SIDE_CURSORS="1",
                                       DATABASE_PREPARED_STATEMENTS="1")
    assert chosen["DATABASE_PREPARED_STATEMENTS"] is True


def test_env_example_passes_the_deploy_check_with_its_required_values_filled_in(tmp_path):
    """deploy/env.example as an operator fills it in: `check --deploy --fail-level WARNING` is clean."""
    signer = tmp_path / "signer.p12"
    signer.write_bytes(b"not read by the check")
    env = {k: v for k, v in os.environ.items() if not re.match(r"^[A-Z][A-Z0-9_]+$", k) or k in (
        "PATH", "HOME", "LANG", "PYTHONPATH", "VIRTUAL_ENV")}
    for line in (REPO / "deploy" / "env.example").read_text().splitlines():
        match = re.match(r"^([A-Z][A-Z0-9_]+)=(.*)$", line)
        if match:
            env[match.group(1)] = match.group(2)
    env.update(SECRET_KEY="Zq3kY8w0pXf7Nn2LrT5vB1cD9sH4jK6mQ0aE3uI8oP2yW7xR5tV1bN4mC6zA9sD2f",
               ATTENDANCE_CHAIN_KEY="Nn2LrT5vB1cD9sH4jK6mQ0aE3uI8oP2yW7xR5tV1bN4", CERTIFICATE_PKCS12_PATH=str(signer),
               TICKET_KEY_ENCRYPTION_KEYS="m3l4D4ZtGkfd6b2rQ2Xx0aXn5b9s1fQyYtq0zVb7p9M=", APP_NODES="1",
               STATIC_ROOT=str(tmp_path / "static"), DATABASE_URL="postgres://rakor@127.0.0.1:1/rakor")
    env.pop("AWS_STORAGE_BUCKET_NAME", None)  # object storage is another helper's part; one node here
    done = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "System check identified no issues" in output


# ---------------------------------------------------------------- behind a proxy: the scheme

@pytest.mark.django_db
def test_only_a_trusted_proxy_may_say_the_request_came_over_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    event = EventFactory(slug="rakorwas-https", name="Rakorwas HTTPS")
    forged = client.get(f"/e/{event.slug}/", HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="203.0.113.9")
    assert (forged.status_code, forged["Location"]) == (301, f"https://testserver/e/{event.slug}/")
    proxied = client.get(f"/e/{event.slug}/", HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="10.0.0.5")
    assert proxied.status_code == 200
    assert "Rakorwas HTTPS" in proxied.content.decode()
    assert client.get("/healthz", REMOTE_ADDR="10.0.0.9").content == b"ok\n"  # load balancers speak plain HTTP


# ---------------------------------------------------------------- a full pool answers 503

@pytest.fixture
def pool_exhausted(monkeypatch):
    """Every new cursor waits for a pooled connection and gives up, as Django reports it."""
    from psycopg_pool import PoolTimeout

    def no_connection(*args, **kwargs):
        try:
            raise PoolTimeout("couldn't get a connection after 2.00 sec")
        except PoolTimeout as error:
            raise OperationalError(str(error)) from error

    monkeypatch.setattr(connection, "cursor", no_connection)
    monkeypatch.setattr(connection, "chunked_cursor", no_connection)


@pytest.mark.django_db
def test_a_full_pool_answers_503_with_retry_after_not_500(client, pool_exhausted):
    response = client.get("/e/rakorwas-penuh/")
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert response.content.decode() == "Server sedang sibuk. Silakan coba lagi sebentar lagi."


@pytest.mark.django_db
def test_the_check_in_api_answers_503_too_so_the_scanner_retries(client, pool_exhausted):
    response = client.post("/api/v1/checkins/", {"ticket": "x"}, content_type="application/json",
                           HTTP_AUTHORIZATION="Token 0123456789012345678901234567890123456789")
    assert (response.status_code, response["Retry-After"]) == (503, "2")


def test_other_database_errors_are_not_called_a_full_pool():
    from rakor.observability import pool_exhausted as is_pool

    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError as error:
        assert is_pool(error) is False


@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's pool needs PostgreSQL")
@pytest.mark.django_db
def test_a_real_pool_timeout_is_recognised_through_djangos_wrapper():
    from psycopg_pool import ConnectionPool

    from rakor.observability import pool_exhausted as is_pool

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with ConnectionPool(kwargs=params, min_size=1, max_size=1, timeout=0.2, open=True) as pool:
        held = pool.getconn()
        try:
            with pytest.raises(OperationalError) as raised, connection.wrap_database_errors:
                pool.getconn()
        finally:
            pool.putconn(held)
    assert is_pool(raised.value) is True


# ---------------------------------------------------------------- health

def test_healthz_answers_without_the_database(client, pool_exhausted):
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok\n")


@pytest.mark.django_db
def test_readyz_reports_each_check(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    body = client.get("/readyz").json()
    assert body["status"] == "ok"
    want = {"database": True, "storage": True, **({"redis": True} if settings.REDIS_URL else {})}
    assert {name: result["ok"] for name, result in body["checks"].items()} == want


@pytest.mark.django_db
def test_readyz_fails_without_the_database(client, pool_exhausted):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["ok"] is False
    assert "couldn't get a connection" in response.json()["checks"]["database"]["error"]


@pytest.mark.django_db
def test_a_stale_beat_is_reported_and_fails_only_the_strict_probe(client, settings):
    import datetime as dt

    from django.core.cache import cache

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.BEAT_STALE_SECONDS = 120
    cache.set(BEAT_TICK_KEY, dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=10))
    try:
        relaxed = client.get("/readyz")
        assert (relaxed.status_code, relaxed.json()["status"], relaxed.json()["checks"]["beat"]["ok"]) == (
            200, "degraded", False)
        strict = client.get("/readyz?strict=1")
        assert (strict.status_code, strict.json()["status"]) == (503, "unavailable")
        cache.set(BEAT_TICK_KEY, dt.datetime.now(dt.timezone.utc).timestamp())
        assert client.get("/readyz?strict=1").json()["checks"]["beat"]["ok"] is True
    finally:
        cache.delete(BEAT_TICK_KEY)


def test_beat_last_tick_reads_what_the_tick_may_store():
    import datetime as dt

    from django.core.cache import cache

    when = dt.datetime(2026, 12, 3, 8, 0, tzinfo=dt.timezone.utc)
    try:
        for stored in (when, when.timestamp(), when.isoformat()):
            cache.set(BEAT_TICK_KEY, stored)
            assert beat_last_tick() == when
        cache.delete(BEAT_TICK_KEY)
        assert beat_last_tick() is None
        record_beat_tick(when)
        assert beat_last_tick() == when
    finally:
        cache.delete(BEAT_TICK_KEY)


# ---------------------------------------------------------------- metrics

@pytest.mark.django_db
def test_metrics_for_this_machine_a_trusted_proxy_or_a_token_only(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    settings.METRICS_TOKEN = "rahasia-prometheus-0123456789"
    RegistrationFactory()
    local = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert local.status_code == 200
    text = local.content.decode()
    assert "# TYPE django_http_requests_latency_seconds_by_view_method histogram" in text
    assert "# TYPE rakor_checkins_total counter" in text
    assert "# TYPE rakor_online_joins_total counter" in text
    assert "# TYPE rakor_websockets_open gauge" in text
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404
    # A public client through the trusted proxy is still a public client.
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.5").status_code == 200  # the monitoring host itself
    token = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION=f"Bearer {settings.METRICS_TOKEN}")
    assert token.status_code == 200
    wrong = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer salah")
    assert wrong.status_code == 404


@pytest.mark.django_db
def test_metrics_count_check_ins_by_result(client):
    import datetime as dt
    import uuid

    from attendance.checkin import checkin_perform

    reg = RegistrationFactory()
    event = reg.event
    when = dt.datetime.combine(event.days[0], dt.time(8, 0), tzinfo=event.tz)
    for _ in range(2):
        checkin_perform(event=event, ticket=reg.ticket, nonce=uuid.uuid4(), scanned_at=when)
    text = client.get("/metrics").content.decode()
    assert 'rakor_checkins_total{result="ok"} 1.0' in text
    assert 'rakor_checkins_total{result="already_checked_in"} 1.0' in text


# ---------------------------------------------------------------- logs

@pytest.fixture
def node_log():
    """What the console handler (settings.LOGGING) writes, as the node's stderr would hold it."""
    handler = next(h for h in logging.getLogger("django").handlers if isinstance(h, logging.StreamHandler))
    stream = io.StringIO()
    old = handler.setStream(stream)
    yield stream
    handler.setStream(old)


def json_lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


@pytest.mark.django_db
def test_each_request_is_logged_as_json_with_its_id_and_route_never_the_secret_path(client, node_log):
    reg = RegistrationFactory()
    response = client.get(f"/t/{reg.portal_secret}/")
    rid = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", rid)
    entries = [e for e in json_lines(node_log) if e["logger"] == "rakor.request"]
    assert [(e["request_id"], e["method"], e["route"], e["status"]) for e in entries] == [
        (rid, "GET", "t/<str:secret>/", 200)]
    assert reg.portal_secret not in node_log.getvalue()


@pytest.mark.django_db
def test_the_id_nginx_gave_is_kept_from_a_trusted_proxy_only(client, settings, node_log):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    rid = "5f0c3e2b9d8a4f61a7e1c2d3b4a59687"
    trusted = client.get("/healthz", HTTP_X_REQUEST_ID=rid, REMOTE_ADDR="10.0.0.5")
    assert "X-Request-ID" not in trusted  # nginx adds its own header with the same id
    forged = client.get("/healthz", HTTP_X_REQUEST_ID=rid, REMOTE_ADDR="203.0.113.9")
    assert forged["X-Request-ID"] != rid
    assert [e["request_id"] for e in json_lines(node_log) if e["logger"] == "rakor.request"] == [
        rid, forged["X-Request-ID"]]


def boom(request):
    raise RuntimeError("sesuatu rusak di server")


urlpatterns = [path("boom/", boom), path("", include("rakor.urls"))]


@pytest.mark.django_db
def test_a_500_is_logged_with_its_traceback_and_request_id_while_debug_is_off(client, settings, node_log):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    errors = [e for e in json_lines(node_log) if e["level"] == "ERROR"]
    assert [(e["logger"], e["message"], e["request_id"], e["exc_type"]) for e in errors] == [
        ("django.request", "Internal Server Error: /boom/", response["X-Request-ID"], "RuntimeError")]
    assert "sesuatu rusak di server" in errors[0]["exc"]


@pytest.mark.django_db
def test_portal_secrets_never_reach_the_log(client, settings, node_log):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    client.raise_request_exception = False
    secret = "GZQ8gic-KegwuShNkG2XGbRSpRrvXPLW"
    logging.getLogger("uvicorn.error").info('127.0.0.1:42896 - "WebSocket /ws/events/x/sessions/?t=%s" [accepted]',
                                            secret)
    client.get(f"/boom/?next=/t/{secret}/")
    logging.getLogger("django.request").error("Internal Server Error: /t/%s/sertifikat.pdf", secret)
    text = node_log.getvalue()
    assert secret not in text
    assert "/ws/events/x/sessions/?t=…" in text and "/t/…/sertifikat.pdf" in text
