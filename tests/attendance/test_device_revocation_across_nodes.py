"""A scanner device revoked on one app node is refused by every other node within a second (issue 14, item 1).

Each "node" is a process of its own with its own in-memory caches: here two caches of
devices (and of door hours) side by side, swapped in as the request goes to node A or B,
sharing only what the nodes share — the database and the shared cache (Redis in CI's
second run). The process clock is a fake one the test moves.
"""

from __future__ import annotations

import datetime as dt

import pytest

from attendance import authentication, checkin, services
from rakor import localcache
from rakor.localcache import CHECK_SECONDS, NodeLocalCache
from tests.factories import RegistrationFactory, organiser

from .test_devices import scan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("door_clock")]


class Clock:
    def __init__(self):
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(localcache, "time", clock)
    return clock


@pytest.fixture
def nodes(monkeypatch):
    """Two processes' device caches; ``on(name)`` routes the next requests to that node."""
    caches = {name: NodeLocalCache("scanner-devices", ttl=authentication.DEVICE_CACHE_SECONDS) for name in "ab"}

    def on(name: str) -> None:
        monkeypatch.setattr(authentication, "_devices", caches[name])

    return on


def test_a_device_revoked_on_node_a_is_refused_by_node_b_within_a_second(nodes, clock,
                                                                        django_capture_on_commit_callbacks):
    reg = RegistrationFactory()
    device, token = services.device_create(event=reg.event, name="Pintu Samping", by=organiser())
    nodes("b")
    assert scan(token, reg).json()["result"] == "ok"  # node B now keeps the device in its memory
    assert scan(token, RegistrationFactory(event=reg.event)).status_code == 200

    nodes("a")
    with django_capture_on_commit_callbacks(execute=True):
        services.device_revoke(device=device, by=organiser())

    nodes("b")
    clock.now += CHECK_SECONDS + 0.01  # well within the second the issue allows
    refused = scan(token, RegistrationFactory(event=reg.event))
    assert (refused.status_code, refused.json()["detail"]) == (401, "Token perangkat tidak dikenal atau sudah dicabut.")


def test_a_revocation_that_rolls_back_changes_nothing_elsewhere(nodes, clock):
    reg = RegistrationFactory()
    _device, token = services.device_create(event=reg.event, name="Pintu Utara", by=organiser())
    nodes("b")
    assert scan(token, reg).status_code == 200
    generation = localcache.shared_cache().get("rakor:localcache-generation:scanner-devices")
    nodes("a")
    authentication.devices_changed()  # queued for a commit that never comes (the test's transaction rolls back)
    assert localcache.shared_cache().get("rakor:localcache-generation:scanner-devices") == generation


def test_door_hours_changed_on_node_a_apply_on_node_b_within_a_second(monkeypatch, clock,
                                                                     django_capture_on_commit_callbacks):
    from attendance.models import CheckInWindow

    reg = RegistrationFactory()
    day = reg.event.days[0]
    caches = {name: NodeLocalCache("checkin-windows", ttl=checkin.WINDOW_CACHE_SECONDS) for name in "ab"}
    monkeypatch.setattr(checkin, "_window_cache", caches["b"])
    assert checkin.checkin_window(reg.event, day) == checkin.DEFAULT_WINDOW
    monkeypatch.setattr(checkin, "_window_cache", caches["a"])
    with django_capture_on_commit_callbacks(execute=True):
        CheckInWindow.objects.create(event=reg.event, date=day, opens=dt.time(7, 0), closes=dt.time(9, 0))
    monkeypatch.setattr(checkin, "_window_cache", caches["b"])
    clock.now += CHECK_SECONDS + 0.01
    assert checkin.checkin_window(reg.event, day) == (dt.time(7, 0), dt.time(9, 0))


def test_a_device_revoked_in_the_admin_is_refused_by_the_other_node_too(nodes, clock,
                                                                      django_capture_on_commit_callbacks):
    from django.utils import timezone

    reg = RegistrationFactory()
    device, token = services.device_create(event=reg.event, name="Pintu Belakang", by=organiser())
    nodes("b")
    assert scan(token, reg).status_code == 200
    nodes("a")
    with django_capture_on_commit_callbacks(execute=True):
        device.revoked_at = timezone.now()
        device.save()  # what the admin's change form does
    nodes("b")
    clock.now += CHECK_SECONDS + 0.01
    assert scan(token, RegistrationFactory(event=reg.event)).status_code == 401
