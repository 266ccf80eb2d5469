"""QR code images (segno): inline SVG for pages, PNG for download, data URIs for PDFs."""

from __future__ import annotations

import io

import segno


def _qr(payload: str):
    return segno.make(payload, error="m", micro=False)


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
