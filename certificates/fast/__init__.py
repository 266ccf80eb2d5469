"""The fast path of certificate issuing: many times faster than the stock path, same certificates.

WeasyPrint lays out a template's per-person layer once per shape (``layout``), the project's
typesetter (``typeset``) sets each person's text into those boxes, and each file is written
byte by byte (``writer``) and signed in place (``signer``); docs/benchmarks.md has the numbers.
It relies on library internals, so it runs only where ``available()``: ``CERTIFICATE_FAST_PATH``
on and the libraries at the versions in ``versions.py``. ``rendering.render_batch`` is its only
caller and sends everything it does not make to the stock path.
``tests/certificates/test_fast_equals_stock.py`` proves both paths make the same certificates.

Imports flow ``rendering`` → ``fast`` → ``design``/``documents``, never back.
"""

from __future__ import annotations

import logging

from django.conf import settings

from ..design import TemplateSpec, compile_source
from ..documents import static_layer
from .layout import prepare
from .versions import versions_ok
from .writer import write_batch

log = logging.getLogger("rakor.certificates")


def available() -> bool:
    """Whether the fast path may run: the setting (read per call, tests override it) and the verified versions."""
    return settings.CERTIFICATE_FAST_PATH and versions_ok()


def render_fast(spec: TemplateSpec, items: list[dict], *, sign: bool) -> dict[str, bytes]:
    """code -> PDF (signed when ``sign`` and a signer is configured) for each certificate it could set.

    The rest (another shape WeasyPrint must lay out, a name the typesetter cannot promise to set
    as WeasyPrint would) are missing from the answer: the caller renders them the stock way. A
    design's own error (a broken template, a refused URL) is raised as ``CertificateTemplateError``;
    a fault of the fast path's own writer is logged and answers {}.
    """
    if not spec.fields_html:
        return {}
    prepared = prepare(spec, items, compile_source(spec, spec.fields_html))
    ready = [person for person in prepared if person is not None]
    if not ready:
        return {}
    static_pdf = static_layer(spec, items[0])  # a design error here is the organiser's to see
    try:
        return write_batch(static_pdf, ready, sign)
    except Exception:  # the stock path renders the batch
        log.exception("certificates: fast path failed to write a batch of %s; the stock path renders it", spec.name)
        return {}
