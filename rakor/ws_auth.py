"""Who is behind a WebSocket, read only when a consumer asks (Channels' AuthMiddleware reads it on every connect).

Channels' ``AuthMiddlewareStack`` loads the user of every socket before the consumer runs: a hop
into the one thread that serialises Django's sync work, and the session read. The portal's
session-status socket, the herd's most frequent connect (a node restart reconnects thousands at
once), is opened with a portal secret and never needs the user unless the secret is refused.
Here ``scope["user"]`` is a lazy object that reads the user on first use. Every consumer of this
project uses it only inside its ``database_sync_to_async`` access check (the sync thread, where a
database read is allowed); touched on the event loop it raises Django's SynchronousOnlyOperation,
which says so at once.
"""

from __future__ import annotations

from channels.auth import AuthMiddleware, get_user
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.utils.functional import SimpleLazyObject

# Channels' get_user is its sync body wrapped in database_sync_to_async; the body is what a sync thread calls.
_get_user_sync = get_user.func


class LazyAuthMiddleware(AuthMiddleware):
    def populate_scope(self, scope):
        if "session" not in scope:
            raise ValueError("LazyAuthMiddleware cannot find session in scope. SessionMiddleware must be above it.")
        if "user" not in scope:
            scope["user"] = SimpleLazyObject(lambda: _get_user_sync(scope))

    async def resolve_scope(self, scope):
        """Nothing to do before the consumer: the user is read when used."""


def LazyAuthMiddlewareStack(inner):  # noqa: N802 (named like Channels' AuthMiddlewareStack)
    return CookieMiddleware(SessionMiddleware(LazyAuthMiddleware(inner)))
