"""The session socket's cheap connect (issue 15, item 5): a shared snapshot, a lean secret check, the spread.

The connect no longer queries the snapshot per socket nor loads the registration with its event,
person and unit: these tests hold it to the same answers (refusals included) and to the snapshot's
freshness after a status change.
"""

import pytest
from channels.db import database_sync_to_async

from agenda.services import session_set_status
from tests.agenda.test_consumers import closed_with, in_own_loop, make_session, setup_online, socket
from tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db(transaction=True)


async def connected_snapshot(slug: str, secret: str):
    comm = await socket(slug, secret=secret)
    connected, _ = await comm.connect(timeout=10)  # twenty at once on a busy CI machine
    assert connected is True
    snapshot = await comm.receive_json_from(timeout=10)
    assert snapshot["type"] == "snapshot"
    return comm, snapshot


@in_own_loop
async def test_a_socket_after_a_status_change_gets_the_new_status_not_the_shared_copy():
    reg, session = await setup_online()
    first, before = await connected_snapshot(reg.event.slug, reg.portal_secret)
    second, again = await connected_snapshot(reg.event.slug, reg.portal_secret)
    try:
        assert [s["status"] for s in before["sessions"]] == ["scheduled"]
        assert again == before

        await database_sync_to_async(session_set_status)(session=session, status="live")
        live = await first.receive_json_from(timeout=2)
        assert (live["id"], live["status"]) == (session.pk, "live")
        assert (await second.receive_json_from(timeout=2))["status"] == "live"

        third, after = await connected_snapshot(reg.event.slug, reg.portal_secret)
        await third.disconnect()
        assert [(s["id"], s["status"]) for s in after["sessions"]] == [(session.pk, "live")]
    finally:
        await first.disconnect()
        await second.disconnect()


@in_own_loop
async def test_many_sockets_connecting_at_once_all_get_the_snapshot():
    reg, session = await setup_online()
    await database_sync_to_async(make_session)(reg.event, title="Pleno")
    import asyncio

    results = await asyncio.gather(*(connected_snapshot(reg.event.slug, reg.portal_secret) for _ in range(20)))
    try:
        titles = {tuple(s["title"] for s in snap["sessions"]) for _comm, snap in results}
        assert titles == {("Pembukaan oleh Menteri Agama", "Pleno")}
    finally:
        for comm, _snap in results:
            await comm.disconnect()


@in_own_loop
async def test_the_push_and_the_snapshot_carry_the_events_join_spread():
    reg, session = await setup_online()

    @database_sync_to_async
    def set_spread(seconds):
        reg.event.join_spread_seconds = seconds
        reg.event.save(update_fields=["join_spread_seconds"])

    await set_spread(7)
    comm, snapshot = await connected_snapshot(reg.event.slug, reg.portal_secret)
    try:
        assert snapshot["spread"] == 7
        await set_spread(0)  # an organiser changes it before going live: the push says so
        await database_sync_to_async(session_set_status)(session=session, status="live")
        live = await comm.receive_json_from(timeout=2)
        assert (live["status"], live["spread"]) == ("live", 0)
    finally:
        await comm.disconnect()


@in_own_loop
async def test_the_lean_secret_check_still_refuses_what_the_portal_refuses():
    reg, _ = await setup_online()

    @database_sync_to_async
    def others():
        from django.utils import timezone

        pending = RegistrationFactory(event=reg.event, status="pending", modes=["online"] * 3)
        revoked = RegistrationFactory(event=reg.event, modes=["online"] * 3, ticket_revoked_at=timezone.now())
        stranger = RegistrationFactory(modes=["online"] * 3)
        return pending, revoked, stranger

    pending, revoked, stranger = await others()
    refused = {
        "a prefix of a real secret": reg.portal_secret[:-1],
        "a real secret and more": reg.portal_secret + "A",
        "too long to be a secret": reg.portal_secret + "x" * 64,
        "upper-cased": reg.portal_secret.upper() if reg.portal_secret.upper() != reg.portal_secret else "Z" * 43,
        "pending": pending.portal_secret,
        "revoked": revoked.portal_secret,
        "of another event": stranger.portal_secret,
    }
    codes = {}
    for name, secret in refused.items():
        comm = await socket(reg.event.slug, secret=secret)
        try:
            codes[name] = await closed_with(comm)
        finally:
            await comm.disconnect()
    assert codes == dict.fromkeys(refused, 4403)
    comm, _ = await connected_snapshot(reg.event.slug, reg.portal_secret)
    await comm.disconnect()


@in_own_loop
async def test_a_renamed_event_slug_is_not_served_from_the_process_copy():
    reg, _ = await setup_online()
    old_slug = reg.event.slug
    comm, _ = await connected_snapshot(old_slug, reg.portal_secret)
    await comm.disconnect()

    @database_sync_to_async
    def rename():
        reg.event.slug = old_slug + "-baru"
        reg.event.save(update_fields=["slug"])

    await rename()
    stale = await socket(old_slug, secret=reg.portal_secret)
    try:
        assert await closed_with(stale) == 4404
    finally:
        await stale.disconnect()
    comm, _ = await connected_snapshot(old_slug + "-baru", reg.portal_secret)
    await comm.disconnect()


@in_own_loop
async def test_a_process_busy_with_connects_closes_more_with_try_again_later():
    """Past CONNECTS_IN_FLIGHT_MAX connects at once, a socket is told 1013 before any lookup (live.js comes back within its first window)."""
    import agenda.consumers

    reg, _ = await setup_online()
    limit = agenda.consumers.CONNECTS_IN_FLIGHT_MAX
    agenda.consumers.CONNECTS_IN_FLIGHT_MAX = 0
    try:
        busy = await socket(reg.event.slug, secret=reg.portal_secret)
        try:
            assert await closed_with(busy) == 1013
        finally:
            await busy.disconnect()
    finally:
        agenda.consumers.CONNECTS_IN_FLIGHT_MAX = limit
    comm, snapshot = await connected_snapshot(reg.event.slug, reg.portal_secret)
    await comm.disconnect()
    assert agenda.consumers._connects_in_flight == 0
