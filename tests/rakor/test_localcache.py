"""rakor.localcache: per-process caches with a generation shared by every node."""

from __future__ import annotations

import pytest

from rakor import localcache
from rakor.localcache import CHECK_SECONDS, NodeLocalCache


class Clock:
    now = 50.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(localcache, "time", clock)
    return clock


def test_an_entry_is_served_from_memory_until_its_lifetime_ends(clock):
    cache, loads = NodeLocalCache("uji-umur", ttl=5), []
    load = lambda: loads.append(1) or len(loads)  # noqa: E731
    assert [cache.get_or_load("k", load) for _ in range(3)] == [1, 1, 1]
    clock.now += 5.1
    assert cache.get_or_load("k", load) == 2


def test_an_invalidation_on_another_node_empties_this_one_at_its_next_check(clock):
    here, there = NodeLocalCache("uji-node", ttl=60), NodeLocalCache("uji-node", ttl=60)
    value = {"v": "lama"}
    assert here.get_or_load("k", lambda: value["v"]) == "lama"
    value["v"] = "baru"
    there.invalidate()
    clock.now += CHECK_SECONDS + 0.01
    assert here.get_or_load("k", lambda: value["v"]) == "baru"


def test_a_value_loaded_just_before_an_invalidation_is_not_kept_past_the_next_check(clock):
    here, there = NodeLocalCache("uji-balapan", ttl=60), NodeLocalCache("uji-balapan", ttl=60)
    here.get_or_load("other", lambda: 0)  # this node has just read the generation

    def load_then_change_elsewhere():
        there.invalidate()  # committed on another node while this one read the old value
        return "lama"

    assert here.get_or_load("k", load_then_change_elsewhere) == "lama"
    clock.now += CHECK_SECONDS + 0.01
    assert here.get_or_load("k", lambda: "baru") == "baru"


def test_values_keep_declines_are_loaded_every_time(clock):
    cache, loads = NodeLocalCache("uji-keep", ttl=60), []
    for _ in range(3):
        cache.get_or_load("k", lambda: loads.append(1), keep=lambda v: v is not None)
    assert len(loads) == 3
