"""The questions' sockets through the real ASGI router: who may listen, and what reaches a participant."""

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from questions.models import Question
from questions.services import question_ask, question_moderate, question_vote
from rakor.asgi import application
from tests.agenda.test_consumers import release_loop_connections
from tests.factories import UserFactory, organiser

from .helpers import live_session, make_event, moderator_of, participant

pytestmark = pytest.mark.django_db(transaction=True)


def in_own_loop(test):
    """An async test body on a loop and thread of its own (see tests/agenda/test_consumers.py)."""

    async def body():
        try:
            await test()
        finally:
            from django.db import connections

            await sync_to_async(connections.close_all)()

    def run():
        cache.clear()
        try:
            with ThreadPoolExecutor(1) as pool:
                pool.submit(asyncio.run, body()).result(timeout=60)
        finally:
            release_loop_connections()

    run.__name__ = test.__name__
    return run


@sync_to_async
def cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


async def socket(event, session, secret=None, user=None, moderate=False) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if user is not None:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={await cookie(user)}".encode()))
    path = f"/ws/events/{event.slug}/sessions/{session.pk}/questions/" + ("moderate/" if moderate else "")
    comm = WebsocketCommunicator(application, path + (f"?t={secret}" if secret else ""), headers=headers)
    comm.scope["client"] = ["127.0.0.1", 50123]
    return comm


async def close_code(comm) -> int:
    connected, _ = await comm.connect()
    assert connected is True
    message = await comm.receive_output(timeout=2)
    assert message["type"] == "websocket.close"
    return message["code"]


async def drain(comm, seconds=0.8) -> list[str]:
    """Every text the socket got within ``seconds``."""
    texts = []
    # receive_nothing, not a receive_output timeout: a timed-out receive_output cancels the consumer.
    while not await comm.receive_nothing(timeout=seconds):
        message = await comm.receive_output(timeout=1)
        if message["type"] == "websocket.send":
            texts.append(message["text"])
    return texts


@database_sync_to_async
def setup():
    event = make_event()
    session = live_session(event)
    return event, session, participant(event), participant(event, name="Hj. Siti Aminah", unit="Kanwil Jawa Tengah")


@in_own_loop
async def test_who_may_listen():
    event, session, reg, _ = await setup()

    @database_sync_to_async
    def others():
        stranger = participant(make_event(), name="Orang Lain", unit="Kanwil Papua")
        revoked = participant(event, name="Dicabut", unit="Kanwil Maluku")
        revoked.ticket_revoked_at = timezone.now()
        revoked.save()
        return stranger, revoked, UserFactory()

    stranger, revoked, nobody = await others()
    refused = [await socket(event, session), await socket(event, session, secret=stranger.portal_secret),
               await socket(event, session, secret=revoked.portal_secret), await socket(event, session, user=nobody),
               await socket(event, session, secret=reg.portal_secret, moderate=True)]
    try:
        assert [await close_code(c) for c in refused] == [4403] * 5
    finally:
        for c in refused:
            await c.disconnect()
    allowed = [await socket(event, session, secret=reg.portal_secret),
               await socket(event, session, user=await database_sync_to_async(moderator_of)(session), moderate=True)]
    try:
        for c in allowed:
            assert (await c.connect())[0] is True
            first = json.loads((await c.receive_output(timeout=3))["text"])
            assert first["type"] in ("questions", "moderation")
    finally:
        for c in allowed:
            await c.disconnect()


@in_own_loop
async def test_a_hidden_or_pending_question_never_reaches_a_participants_socket():
    event, session, asker, reader = await setup()
    org = await database_sync_to_async(organiser)()
    participant_socket = await socket(event, session, secret=reader.portal_secret)
    moderator_socket = await socket(event, session, user=org, moderate=True)
    try:
        assert (await participant_socket.connect())[0] and (await moderator_socket.connect())[0]
        await drain(participant_socket, 0.5)
        await drain(moderator_socket, 0.5)

        ask = database_sync_to_async(question_ask)
        secret_q = await ask(registration=asker, session=session, text="RAHASIA menunggu moderator")
        hidden_q = await ask(registration=asker, session=session, text="RAHASIA akan disembunyikan")
        await database_sync_to_async(question_moderate)(question=hidden_q, action="hide", by=org)
        shown_q = await ask(registration=asker, session=session, text="Pertanyaan yang disetujui")
        shown_q = await database_sync_to_async(question_moderate)(question=shown_q, action="approve", by=org)
        await database_sync_to_async(question_vote)(registration=reader, question=shown_q)

        texts = await drain(participant_socket)
        assert texts, "the participant's socket got the approved question"
        assert all("RAHASIA" not in t for t in texts)
        last = json.loads(texts[-1])
        assert [(w["text"], w["votes"]) for w in last["waiting"]] == [("Pertanyaan yang disetujui", 1)]
        # The moderators were told (counts), and their list has everything.
        mod = json.loads((await drain(moderator_socket))[-1])
        assert mod["counts"]["pending"] == 1 and mod["counts"]["hidden"] == 1 and mod["counts"]["approved"] == 1
        assert await database_sync_to_async(Question.objects.filter(pk=secret_q.pk).exists)()
    finally:
        await participant_socket.disconnect()
        await moderator_socket.disconnect()
