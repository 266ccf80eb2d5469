"""Clients generated from /api/schema/ import and work (issue 13, item 8): one by openapi-python-client,
one by openapi-generator's Python client (``openapi-generator-cli``, a PyPI wheel that bundles the jar
and runs it with Java).

Request bodies offered in several content types made the generator write modules that fail on
import (``NameError: Unset``); the schema now documents JSON bodies. This test generates the
client into a temporary folder, imports every module of it, and calls the check-in and the
session-status endpoints against the live test server; the second test does the same with the
client openapi-generator writes (pydantic models, ``V1Api``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import os
import pkgutil
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from attendance.models import CheckInWindow
from agenda.models import Session
from tests.factories import EventFactory, RegistrationFactory, organiser
from tests.agenda.agenda_helpers import make_session

pytestmark = [pytest.mark.generated_client, pytest.mark.django_db(transaction=True)]


def _generator() -> str | None:
    beside = Path(sys.executable).with_name("openapi-python-client")
    return str(beside) if beside.exists() else shutil.which("openapi-python-client")


def _openapi_generator() -> str | None:
    beside = Path(sys.executable).with_name("openapi-generator-cli")
    return str(beside) if beside.exists() else shutil.which("openapi-generator-cli")


def _unload(name: str) -> None:
    for loaded in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
        del sys.modules[loaded]


def _checkin_scene():
    """An event open today with the door open all day, one approved registration, one session, a token."""
    today = dt.datetime.now(dt.timezone.utc).astimezone(dt.timezone(dt.timedelta(hours=7))).date()
    event = EventFactory(start_date=today - dt.timedelta(days=1), end_date=today + dt.timedelta(days=1))
    for day in event.days:  # the door open all day: the hour the test runs at does not matter
        CheckInWindow.objects.create(event=event, date=day, opens=dt.time(0), closes=dt.time(23, 59, 59))
    registration = RegistrationFactory(event=event)
    session = make_session(event, "Pembukaan Rakorwas")
    token = Token.objects.create(user=organiser()).key
    return event, registration, session, token


@contextlib.contextmanager
def _imported(name: str, path):
    """The generated package ``name`` under ``path``, with every module of it imported (a module that
    fails to import is named in the assertion); unloaded again afterwards."""
    sys.path.insert(0, str(path))
    try:
        package = importlib.import_module(name)
        failures = []
        for module in pkgutil.walk_packages(package.__path__, f"{name}."):
            try:
                importlib.import_module(module.name)
            except Exception as exc:  # noqa: BLE001 — every broken module is named below
                failures.append(f"{module.name}: {exc!r}")
        assert failures == []
        yield package
    finally:
        sys.path.remove(str(path))
        _unload(name)


@pytest.fixture
def generated_client(tmp_path, client):
    """The generated package, imported under a name of its own (``rakor_client_<n>``)."""
    tool = _generator()
    if tool is None:
        pytest.skip("openapi-python-client is not installed (pip install -r requirements-dev.txt)")
    schema = tmp_path / "schema.json"
    schema.write_bytes(client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content)
    name = f"rakor_client_{uuid.uuid4().hex[:8]}"
    done = subprocess.run([tool, "generate", "--path", str(schema), "--output-path", str(tmp_path / name),
                           "--meta", "none"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    with _imported(name, tmp_path):
        yield name


def test_generated_client_checks_in_and_sets_a_session_live(generated_client, live_server):
    event, registration, session, token = _checkin_scene()

    client_mod = importlib.import_module(f"{generated_client}.client")
    models = importlib.import_module(f"{generated_client}.models")
    checkin = importlib.import_module(f"{generated_client}.api.v1.v1_checkins_create")
    status = importlib.import_module(f"{generated_client}.api.v1.v1_events_sessions_status_create")
    api = client_mod.AuthenticatedClient(base_url=live_server.url, token=token, prefix="Token")

    answer = checkin.sync(client=api, body=models.CheckInInput(
        ticket=registration.ticket, event=event.slug, nonce=uuid.uuid4()))
    again = checkin.sync(client=api, body=models.CheckInInput(
        ticket=registration.ticket, event=event.slug, nonce=uuid.uuid4()))
    live = status.sync(event.slug, session.pk, client=api, body=models.StatusInput(status=models.SessionStatusEnum.LIVE))

    assert (answer.result.value, answer.participant.name) == ("ok", registration.participant.full_name)
    assert again.result.value == "already_checked_in"
    assert (live.session.id, live.session.status.value) == (session.pk, "live")
    session.refresh_from_db()
    assert session.status == Session.Status.LIVE


@pytest.fixture
def openapi_generator_client(tmp_path, client):
    """openapi-generator's Python client (``-g python``), imported as ``rakor_og_client``.

    The package name is fixed (``--package-name rakor_og_client``): its modules import each other by
    that name, so it is unloaded after the test rather than given a unique one.
    """
    tool = _openapi_generator()
    if tool is None:
        pytest.skip("openapi-generator-cli is not installed (pip install -r requirements-dev.txt)")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("openapi-generator-cli needs Java (a JRE 11+ on PATH or JAVA_HOME); none found")
    schema = tmp_path / "schema.yaml"
    schema.write_bytes(client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi").content)
    out = tmp_path / "og"
    done = subprocess.run([tool, "generate", "-g", "python", "-i", str(schema), "-o", str(out),
                           "--package-name", "rakor_og_client"],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    name = "rakor_og_client"
    _unload(name)
    with _imported(name, out) as package:
        yield package


def test_openapi_generator_client_checks_in_and_sets_a_session_live(openapi_generator_client, live_server):
    og = openapi_generator_client
    event, registration, session, token = _checkin_scene()
    config = og.Configuration(host=live_server.url, api_key={"tokenAuth": token}, api_key_prefix={"tokenAuth": "Token"})
    with og.ApiClient(config) as api_client:
        api = og.V1Api(api_client)
        answer = api.v1_checkins_create(og.CheckInInput(ticket=registration.ticket, event=event.slug, nonce=uuid.uuid4()))
        again = api.v1_checkins_create(og.CheckInInput(ticket=registration.ticket, event=event.slug, nonce=uuid.uuid4()))
        live = api.v1_events_sessions_status_create(
            id=session.pk, slug=event.slug, status_input=og.StatusInput(status=og.SessionStatusEnum.LIVE))

    assert (answer.result.value, answer.participant.name) == ("ok", registration.participant.full_name)
    assert again.result.value == "already_checked_in"
    assert (live.session.id, live.session.status.value) == (session.pk, "live")
    session.refresh_from_db()
    assert session.status == Session.Status.LIVE
