"""Who may listen to an event's session-status socket (agenda.consumers), besides organisers.

The agenda knows no participant: the app that owns the portal secret (attendance) registers
a check at start-up (its AppConfig.ready) with ``register_secret_check``. A check takes the
event, the socket's ``?t=`` secret and the client's address, and answers None (may listen) or
the WebSocket close code to refuse with.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

CLOSE_FORBIDDEN = 4403
CLOSE_UNKNOWN_EVENT = 4404
CLOSE_TOO_MANY_GUESSES = 4429  # an unknown ?t= from an address past its guess limit (attendance.ratelimit)
CLOSE_TRY_AGAIN_LATER = 1013  # the server is busy (RFC 6455): come back after a backoff, do not poll meanwhile

SecretCheck = Callable[[object, str, str], "int | None"]
_secret_checks: list[SecretCheck] = []


def register_secret_check(check: SecretCheck) -> None:
    if check not in _secret_checks:
        _secret_checks.append(check)


def secret_refusal(event, secret: str, address: str) -> int | None:
    """None when a registered check lets the holder of ``secret`` listen; else the first refusal's close code."""
    refusal = CLOSE_FORBIDDEN
    for check in _secret_checks:
        code = check(event, secret, address)
        if code is None:
            return None
        refusal = code
    return refusal


# Heartbeats over the same socket (issue 15, item 3). The agenda knows no attendance: the app that counts
# attendance registers, in its AppConfig.ready, whether the socket takes beats now (``accepting``; the page
# POSTs them otherwise) and the coroutine that takes one: (the socket's ?t= secret, session id) -> "recorded",
# "not_joined" (the page stops beating that session) or another word (nothing to tell the page).
BeatTaker = Callable[[str, int], Awaitable[str]]
_beat_taker: tuple[BeatTaker, Callable[[], bool]] | None = None


def register_beat_taker(take: BeatTaker, accepting: Callable[[], bool]) -> None:
    global _beat_taker
    _beat_taker = (take, accepting)


def beats_accepted() -> bool:
    return _beat_taker is not None and _beat_taker[1]()


async def take_beat(secret: str, session_id: int) -> str | None:
    """The registered taker's word on one beat, or None when nobody takes beats over the socket."""
    if _beat_taker is None or not _beat_taker[1]():
        return None
    return await _beat_taker[0](secret, session_id)
