"""Celery as operators expect (issue 14, item 5): queues, routes, acknowledgement, retries, time limits, beat."""

from __future__ import annotations

import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from rakor import ops
from rakor.celery import BeatScheduler, app, beat_tick_record

QUEUES = {
    "sessions_app.tasks.sessions_tick_task": "periodic",
    "attendance.tasks.seal_attendance_task": "periodic",
    "attendance.tasks.fold_heartbeats_task": "periodic",
    "certificates.tasks.resume_stale_runs_task": "periodic",
    "certificates.tasks.issue_certificates_task": "certificates",
    "certificates.tasks.delete_certificate_files": "certificates",
    "reports.tasks.generate_report_task": "certificates",
    "attendance.tasks.send_portal_link": "email",
    "certificates.tasks.send_certificate_email": "email",
    "invitations.tasks.send_unit_letter": "email",
}


@pytest.fixture(scope="module")
def registered():
    app.loader.import_default_modules()
    return {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}


def test_every_task_goes_to_the_queue_of_its_kind(registered):
    routes = {name: app.amqp.router.route({}, name)["queue"].name for name in registered}
    assert routes == QUEUES


def test_every_task_has_time_limits_and_no_result(registered):
    limits = {name: (task.soft_time_limit or app.conf.task_soft_time_limit, task.time_limit or app.conf.task_time_limit)
              for name, task in registered.items()}
    assert all(hard and (soft is None or soft < hard) for soft, hard in limits.values()), limits
    assert limits["sessions_app.tasks.sessions_tick_task"] == (45, 55)  # before the next minute's tick
    assert app.conf.result_backend is None
    assert all(task.ignore_result for task in registered.values())


def test_messages_are_acknowledged_after_the_task_except_the_bulk_run(registered):
    late = {name for name, task in registered.items() if task.acks_late}
    assert late == set(QUEUES) - {"certificates.tasks.issue_certificates_task"}
    assert app.conf.worker_prefetch_multiplier == 1


class FlakySMTP(EmailBackend):
    """The locmem backend behind an SMTP server that hangs up on the first two attempts."""

    attempts = 0

    def send_messages(self, messages):
        type(self).attempts += 1
        if type(self).attempts <= 2:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture
def retries_in_process():
    """Eager tasks run their retries at once (no countdown) when failures are not propagated to the caller."""
    before = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = before


@pytest.mark.django_db
@pytest.mark.usefixtures("retries_in_process")
def test_the_portal_link_email_is_retried_after_an_smtp_failure(settings):
    from attendance.tasks import send_portal_link
    from tests.factories import RegistrationFactory

    settings.EMAIL_BACKEND = "tests.rakor.test_celery.FlakySMTP"
    FlakySMTP.attempts = 0
    registration = RegistrationFactory(participant__email="ahmad@kemenag.go.id")
    result = send_portal_link.delay(registration.pk)
    assert (result.state, FlakySMTP.attempts) == ("SUCCESS", 3)
    assert [m.to for m in mail.outbox] == [["ahmad@kemenag.go.id"]]


def test_email_retries_back_off_exponentially(registered):
    for name in ("attendance.tasks.send_portal_link", "certificates.tasks.send_certificate_email"):
        task = registered[name]
        assert (task.retry_backoff, task.retry_backoff_max, task.max_retries) == (30, 600, 8)
        assert smtplib.SMTPException in task.autoretry_for and OSError in task.autoretry_for


@pytest.mark.django_db
@pytest.mark.usefixtures("retries_in_process")
def test_the_email_gives_up_after_its_retries(settings):
    from attendance.tasks import send_portal_link
    from tests.factories import RegistrationFactory

    settings.EMAIL_BACKEND = "tests.rakor.test_celery.FlakySMTP"
    FlakySMTP.attempts = -100  # the server stays down
    registration = RegistrationFactory(participant__email="ahmad@kemenag.go.id")
    result = send_portal_link.delay(registration.pk)
    assert (result.state, type(result.result)) == ("FAILURE", smtplib.SMTPServerDisconnected)
    assert FlakySMTP.attempts == -100 + 1 + send_portal_link.max_retries
    assert mail.outbox == []


def test_beats_last_tick_is_recorded_for_health():
    from django.core.cache import cache

    cache.delete(ops.BEAT_TICK_KEY)
    assert ops.beat_last_tick() is None
    beat_tick_record(1_796_000_000.0)
    assert ops.beat_last_tick() == dt.datetime(2026, 11, 30, 0, 53, 20, tzinfo=dt.timezone.utc)


def test_beat_records_its_tick_as_it_ticks(tmp_path):
    from django.core.cache import cache

    cache.delete(ops.BEAT_TICK_KEY)
    assert app.conf.beat_scheduler == "rakor.celery:BeatScheduler"
    scheduler = BeatScheduler(app=app, schedule_filename=str(tmp_path / "celerybeat-schedule"), lazy=True)
    scheduler.setup_schedule()
    try:
        before = dt.datetime.now(dt.timezone.utc)
        assert scheduler.tick() <= 5.0
        assert ops.beat_last_tick() >= before.replace(microsecond=0)
    finally:
        scheduler.close()


def test_the_worker_logs_as_the_web_nodes_do_with_the_task_id_as_request_id(monkeypatch, settings):
    """Celery hands its logging over to settings.LOGGING (JSON lines in production) instead of hijacking the root
    logger with its own text format, and a task's lines carry ``task-<id>`` where a request's carry its id."""
    import json
    import logging

    from celery.signals import setup_logging, task_postrun, task_prerun

    from rakor.observability import JsonFormatter, RequestIdFilter, request_id_var

    configured = []
    monkeypatch.setattr("logging.config.dictConfig", configured.append)
    receivers = setup_logging.send(sender=None, loglevel=logging.INFO, logfile=None, format="", colorize=False)
    assert receivers and configured == [settings.LOGGING]  # a receiver: Celery then leaves the root logger alone

    task_prerun.send(sender=None, task_id="7f3a", task=None, args=(), kwargs={})
    record = logging.LogRecord("celery.app.trace", logging.INFO, __file__, 1, "Task %s succeeded", ("x",), None)
    RequestIdFilter().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert (entry["level"], entry["logger"], entry["message"], entry["request_id"]) == (
        "INFO", "celery.app.trace", "Task x succeeded", "task-7f3a")
    task_postrun.send(sender=None, task_id="7f3a", task=None, args=(), kwargs={}, retval=None, state="SUCCESS")
    assert request_id_var.get() == "-"
