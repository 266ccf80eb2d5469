"""What may make a participant's portal download of their certificate wait (e.g. the evaluation).

Apps above certificates register a gate here from their ``AppConfig.ready``
(``evaluation`` registers "fill in the evaluation first"); certificates never imports them.
A gate never stops a certificate from being issued or verified: only the portal's download
(``certificates.views.portal_pdf``) and the portal's certificate card ask.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DownloadWait:
    """Why the download waits (``message``, shown on the portal) and where to go to end the wait."""

    message: str
    url: str
    action: str


_gates: dict[str, Callable[[object], DownloadWait | None]] = {}


def register_download_gate(name: str, gate: Callable[[object], DownloadWait | None]) -> None:
    """``gate(registration)`` → a ``DownloadWait`` while the download must wait, else None. Replaces by name."""
    _gates[name] = gate


def download_wait(registration) -> DownloadWait | None:
    """The first reason the registration's portal download must wait, or None."""
    for gate in _gates.values():
        wait = gate(registration)
        if wait is not None:
            return wait
    return None
