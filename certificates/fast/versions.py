"""The library versions the fast path was verified against, and whether they are the ones installed.

The fast path reads internals of WeasyPrint (boxes, computed styles), pypdf (a stream's raw
data) and pyHanko (the DER layout of its CMS container), and its typesetter (HarfBuzz through
uharfbuzz, python-bidi, fontTools) must reproduce the line boxes of the system's Pango. Any
release may change those, so the versions are exact, not ranges. When one differs the fast path
steps aside (logged once per process, naming each difference) and every certificate is made by
the stock path, which uses public APIs only.

Updating a library: run ``tests/certificates/test_fast_equals_stock.py`` and
``tests/certificates/fast/`` with the new version, then change ``VERIFIED`` in the same commit.
"""

from __future__ import annotations

import functools
import logging
from importlib import metadata

log = logging.getLogger("rakor.certificates")

VERIFIED = {
    "weasyprint": "70.0",
    "pypdf": "7.1.1",
    "pyHanko": "0.38.0",
    "uharfbuzz": "0.57.0",
    "python-bidi": "0.6.12",
    "fonttools": "4.68.0",
    "pango": "1.50.12",  # the system library WeasyPrint lays text out with (Debian 12's libpango-1.0-0)
}


def pango_version() -> str:
    """The version of the Pango library WeasyPrint loaded, e.g. "1.50.12"."""
    from weasyprint.text.ffi import pango

    number = pango.pango_version()
    return f"{number // 10000}.{number // 100 % 100}.{number % 100}"


def installed_versions() -> dict[str, str]:
    """name -> installed version ("missing" when a package is not installed) for each name in ``VERIFIED``."""
    installed = {}
    for name in VERIFIED:
        try:
            installed[name] = pango_version() if name == "pango" else metadata.version(name)
        except (metadata.PackageNotFoundError, OSError, ImportError):
            installed[name] = "missing"
    return installed


def version_mismatches() -> dict[str, tuple[str, str]]:
    """name -> (verified, installed) for each library whose installed version is not the verified one."""
    installed = installed_versions()
    return {name: (verified, installed[name]) for name, verified in VERIFIED.items() if installed[name] != verified}


@functools.cache
def versions_ok() -> bool:
    """Every version as verified; else logs once (WARNING) which differ, and the fast path steps aside."""
    mismatches = version_mismatches()
    if mismatches:
        log.warning(
            "certificates: the fast path steps aside, every certificate is made by the stock path: %s. "
            "Run tests/certificates/test_fast_equals_stock.py with these versions, then update "
            "certificates/fast/versions.py.",
            "; ".join(f"{name} {installed} installed, verified against {verified}"
                      for name, (verified, installed) in mismatches.items()))
    return not mismatches
