"""QR code images (segno): inline SVG for pages, PNG for download, data URIs for PDFs."""

from __future__ import annotations

import io

import segno

# One mask for every code. QR readers decode all eight masks (ISO/IEC 18004 §7.8); choosing the "best"
# one means drawing and scoring all eight, about three quarters of the drawing's CPU (9.6 → 2.7 ms a
# ticket), paid by every participant whose portal shows their ticket in the herd minute (issue 15).
# tests/e2e/test_portal_qr_browser.py decodes tickets drawn this way with the scanner's own jsQR.
MASK = 2


def _qr(payload: str):
    return segno.make(payload, error="m", micro=False, mask=MASK)


def qr_svg(payload: str, *, scale: int = 6) -> str:
    """An inline <svg> element (no XML declaration) that scales with its container."""
    buf = io.BytesIO()
    _qr(payload).save(buf, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True, nl=False,
                      svgclass="qr", lineclass=None, omitsize=True)
    return buf.getvalue().decode()


def qr_png(payload: str, *, scale: int = 10) -> bytes:
    buf = io.BytesIO()
    _qr(payload).save(buf, kind="png", scale=scale, border=2)
    return buf.getvalue()


def qr_data_uri(payload: str, *, scale: int = 6) -> str:
    return _qr(payload).svg_data_uri(scale=scale, border=2)
