"""A bulk run that lost its worker resumes by itself, exactly once (issue 14, item 5)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from certificates import services, tasks
from certificates.models import Certificate, IssueRun
from rakor.models import AuditEntry

from .factories_certificates import attended_everything, past_event, registration, templates

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    event, _sessions = past_event(slug="rakorwas-uji", name="Rapat Koordinasi Pengawasan Uji")
    templates(event)
    return event


def lost_half_way(event, settings, monkeypatch, *, people=5) -> IssueRun:
    """A run whose worker died (SIGKILL) after its first batch: still 'running', its heartbeat going stale."""
    settings.CERTIFICATE_BATCH_SIZE = 2
    for _ in range(people):
        attended_everything(registration(event))
    real = services._render_chunk
    calls = {"n": 0}

    def die_on_second_batch(spec, items):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker hilang")
        return real(spec, items)

    monkeypatch.setattr(services, "_render_chunk", die_on_second_batch)
    run = services.issue_run_start(event=event)
    with pytest.raises(RuntimeError):
        services.issue_run_execute(run, processes=1)
    monkeypatch.setattr(services, "_render_chunk", real)
    # A killed worker never reaches its except clause: the run stays "running", its heartbeat stops.
    stale = timezone.now() - dt.timedelta(seconds=services.RUN_STALE_SECONDS + 5)
    IssueRun.objects.filter(pk=run.pk).update(status="running", error="", finished_at=None, heartbeat_at=stale,
                                              host="node-lain", pid=None)
    return run


def test_the_sweep_resumes_a_lost_run_once_and_it_finishes_without_gaps(event, settings, monkeypatch,
                                                                       django_capture_on_commit_callbacks):
    lost = lost_half_way(event, settings, monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.resume_stale_runs_task() != []  # the worker's task: the new run is queued on commit
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.resume_stale_runs_task() == []  # a second sweep finds nothing more to do
    lost.refresh_from_db()
    runs = list(IssueRun.objects.exclude(pk=lost.pk))
    assert lost.status == "interrupted"
    assert [(r.status, r.done, r.total, r.allocated) for r in runs] == [("done", 3, 3, 0)]
    assert list(Certificate.objects.order_by("seq").values_list("seq", "status")) == [
        (n, "issued") for n in range(1, 6)]
    assert AuditEntry.objects.filter(action="certificates_issue_resume").count() == 1


def test_a_running_run_with_a_fresh_heartbeat_is_left_alone(event):
    attended_everything(registration(event))
    run = services.issue_run_start(event=event)
    IssueRun.objects.filter(pk=run.pk).update(host="node-lain", pid=None)
    assert services.issue_runs_resume_stale(queue=tasks.issue_certificates_task.delay) == []
    run.refresh_from_db()
    assert run.status == "running"


def test_a_run_the_organiser_restarted_first_is_not_resumed_again(event, settings, monkeypatch):
    lost = lost_half_way(event, settings, monkeypatch)
    services.issue_all(event=event, processes=1)  # the organiser's button reaps the lost run and finishes
    assert services.issue_runs_resume_stale(queue=tasks.issue_certificates_task.delay) == []
    lost.refresh_from_db()
    assert lost.status == "interrupted"
    assert IssueRun.objects.filter(status="done").count() == 1


def test_a_redelivered_message_of_the_lost_run_does_nothing(event, settings, monkeypatch,
                                                          django_capture_on_commit_callbacks):
    lost = lost_half_way(event, settings, monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_runs_resume_stale(queue=tasks.issue_certificates_task.delay)
    assert tasks.issue_certificates_task(lost.pk) == {"run": lost.pk, "skipped": True}
    assert Certificate.objects.count() == 5


def test_the_sweep_is_on_beats_schedule_every_minute():
    from rakor.celery import app

    entry = app.conf.beat_schedule[tasks.RESUME_SCHEDULE_NAME]
    assert (entry["task"], entry["schedule"]) == ("certificates.tasks.resume_stale_runs_task", 60.0)
