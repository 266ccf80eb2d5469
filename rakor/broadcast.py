"""Sending to Channels groups from synchronous code (services, on commit).

With the Redis channel layer, a send is handed to one background event loop per
process and the request goes on at once: a scan or a "set live" does not wait for
Redis round trips (measured: the wait cost a check-in more CPU than its SQL). With
the in-memory layer (embedded default, tests) it is sent in place, because that
layer's queues belong to the event loop of the server or test that reads them.
Delivery is best effort in both cases; consumers resynchronise from a snapshot.
"""

from __future__ import annotations

import asyncio
import logging
import threading

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

log = logging.getLogger("rakor.broadcast")

_loop: asyncio.AbstractEventLoop | None = None
_lock = threading.Lock()


def _background_loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="rakor-broadcast", daemon=True).start()
            _loop = loop
    return _loop


async def _send(layer, group: str, message: dict) -> None:
    try:
        await layer.group_send(group, message)
    except Exception:  # a dashboard that is down must never break the desk
        log.exception("broadcast to %s failed", group)


def group_send(group: str, message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    if isinstance(layer, InMemoryChannelLayer):
        try:
            async_to_sync(layer.group_send)(group, message)
        except Exception:
            log.exception("broadcast to %s failed", group)
        return
    asyncio.run_coroutine_threadsafe(_send(layer, group, message), _background_loop())


# ---------------------------------------------------------------- coalesced sends for high-rate events

BATCH_SECONDS = 0.25
_pending: dict[tuple[str, str], list] = {}
_pending_lock = threading.Lock()
_flusher_started = False


def group_send_batched(group: str, type_: str, item: dict) -> None:
    """Queue ``item`` for ``group``; every BATCH_SECONDS one message ``{"type": type_, "items": [...]}``
    carries everything queued meanwhile.

    For events that come by the hundred per minute (check-ins at the door): a scan
    costs an append to a list, and Redis sees a few messages a second, not one per
    scan. With the in-memory layer the item is sent at once as a batch of one.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    if isinstance(layer, InMemoryChannelLayer):
        group_send(group, {"type": type_, "items": [item]})
        return
    global _flusher_started
    with _pending_lock:
        _pending.setdefault((group, type_), []).append(item)
        start = not _flusher_started
        _flusher_started = True
    if start:
        asyncio.run_coroutine_threadsafe(_flush_forever(layer), _background_loop())


async def _flush_forever(layer) -> None:
    while True:
        await asyncio.sleep(BATCH_SECONDS)
        with _pending_lock:
            batches = list(_pending.items())
            _pending.clear()
        for (group, type_), items in batches:
            await _send(layer, group, {"type": type_, "items": items})
