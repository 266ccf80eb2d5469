"""CI: two ASGI processes on the Redis channel layer; "set live" through one reaches a socket on the other.

Needs REDIS_URL and PostgreSQL (CI's second run): the servers are separate
processes and must read the data this test commits.
"""

import asyncio
import datetime as dt
import json
import os
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from agenda.models import Session
from tests.factories import RegistrationFactory, organiser

from .servers import database_url_for_servers, uvicorn_process

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (CI's PostgreSQL + Redis run)"),
]


def post_status(port: int, slug: str, session_id: int, token: str, status: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/events/{slug}/sessions/{session_id}/status/",
        data=json.dumps({"status": status}).encode(), method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}", "Host": "127.0.0.1"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, {"body": err.read().decode(errors="replace")[:500]}


async def listen_until_live(port: int, slug: str, secret: str, session_id: int, trigger) -> dict:
    import websockets

    url = f"ws://127.0.0.1:{port}/ws/events/{slug}/sessions/?t={secret}"
    async with websockets.connect(url, origin=f"http://127.0.0.1:{port}", open_timeout=10) as ws:
        snapshot = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert snapshot["type"] == "snapshot"
        assert [(s["id"], s["status"]) for s in snapshot["sessions"]] == [(session_id, "scheduled")]
        answer = await asyncio.to_thread(trigger)
        assert answer[0] == 200, answer
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 5))
            if message["type"] == "session":
                return message


def test_set_live_on_process_a_reaches_socket_on_process_b():
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL on PostgreSQL: the server processes cannot see an in-memory SQLite")
    reg = RegistrationFactory(modes=["online"] * 3)
    event = reg.event
    start = dt.datetime.combine(event.days[0], dt.time(9, 0), tzinfo=event.tz)
    session = Session.objects.create(event=event, title="Pembukaan oleh Menteri Agama", day=event.days[0],
                                     start=start, end=start + dt.timedelta(hours=2),
                                     meeting_url="https://zoom.example/j/81234567890")
    token = Token.objects.create(user=organiser()).key
    env = {"DATABASE_URL": database_url_for_servers(), "REDIS_URL": os.environ["REDIS_URL"],
           "ALLOWED_HOSTS": "127.0.0.1,localhost", "DB_POOL_MIN": "1", "DB_POOL_MAX": "4"}

    with uvicorn_process(env) as (port_a, _), uvicorn_process(env) as (port_b, _):
        listening = listen_until_live(port_b, event.slug, reg.portal_secret, session.pk,
                                      lambda: post_status(port_a, event.slug, session.pk, token, "live"))
        # A thread of its own: Playwright's sync API may already run an event loop in this one.
        with ThreadPoolExecutor(1) as pool:
            message = pool.submit(asyncio.run, listening).result(timeout=30)

    assert (message["type"], message["id"], message["status"]) == ("session", session.pk, "live")
    assert "zoom.example" not in json.dumps(message)
    session.refresh_from_db()
    assert session.status == "live"
