"""Who may listen to an event's session-status socket (agenda.consumers), besides organisers.

The agenda knows no participant: the app that owns the portal secret (attendance) registers
a check at start-up (its AppConfig.ready) with ``register_secret_check``. A check takes the
event, the socket's ``?t=`` secret and the client's address, and answers None (may listen) or
the WebSocket close code to refuse with.
"""

from __future__ import annotations

from collections.abc import Callable

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
