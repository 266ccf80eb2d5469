"""Small server-rendered SVG charts (no JavaScript, no CDN): the dashboard, reports and PDFs share them.

Two shapes only:
- ``bar_chart``: one horizontal bar per label; with two series the first is drawn
  as a light background and the second on top (e.g. expected vs present), so a row
  reads like a progress bar.
- ``line_chart``: values over ordered points (e.g. arrivals per quarter hour, cumulative).

Every label and title is escaped; numbers are formatted by the caller's locale-free
``str``. The result is a ``SafeString`` to drop into a template or a WeasyPrint page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FONT = "font-family=\"DejaVu Sans, Arial, sans-serif\""
GRID = "#dde1e6"
TEXT = "#1f2933"
MUTED = "#5b6470"


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    color: str = "#0b5d3b"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _nice_max(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 2.5, 5 × 10^n)."""
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _truncate(text: str, limit: int) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(labels: Sequence[str], series: Sequence[Series], *, title: str, width: int = 720,
              bar_height: int = 18, label_width: int = 240, label_chars: int = 36) -> SafeString:
    """Horizontal bars, one row per label; the value text shows ``last / first`` when there are two series."""
    rows = len(labels)
    gap = 6
    top = 28
    legend = 22 if len(series) > 1 else 0
    height = top + legend + rows * (bar_height + gap) + 8
    plot = width - label_width - 90
    peak = _nice_max(max((v for s in series for v in s.values), default=0))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart bar-chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" {FONT} font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-size="14" font-weight="bold" fill="{TEXT}">{escape(title)}</text>',
    ]
    if legend:
        x = 0
        for s in series:
            out.append(f'<rect x="{x}" y="{top - 4}" width="12" height="12" fill="{escape(s.color)}"/>')
            out.append(f'<text x="{x + 16}" y="{top + 6}" fill="{MUTED}">{escape(s.name)}</text>')
            x += 24 + 8 * len(str(s.name))
    y0 = top + legend
    for i, label in enumerate(labels):
        y = y0 + i * (bar_height + gap)
        out.append(f'<text x="{label_width - 6}" y="{y + bar_height - 5}" text-anchor="end" fill="{TEXT}">'
                   f"<title>{escape(label)}</title>{escape(_truncate(label, label_chars))}</text>")
        out.append(f'<rect x="{label_width}" y="{y}" width="{plot}" height="{bar_height}" fill="#f4f6f8"/>')
        for s in series:
            value = s.values[i] if i < len(s.values) else 0
            w = round(plot * (value / peak), 1) if peak else 0
            out.append(f'<rect x="{label_width}" y="{y}" width="{w}" height="{bar_height}" fill="{escape(s.color)}"/>')
        text = " / ".join(_num(s.values[i]) for s in reversed(series) if i < len(s.values))
        out.append(f'<text x="{label_width + plot + 6}" y="{y + bar_height - 5}" fill="{TEXT}">{escape(text)}</text>')
    out.append("</svg>")
    return mark_safe("".join(out))


def line_chart(labels: Sequence[str], values: Sequence[float], *, title: str, width: int = 720, height: int = 260,
               color: str = "#0b5d3b", max_ticks: int = 8, element_id: str = "") -> SafeString:
    """One line over ordered points, with a filled area, a y axis (0, half, max) and some x labels."""
    left, right, top, bottom = 48, 16, 30, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = _nice_max(max(values, default=0))
    n = len(values)
    ident = f' id="{escape(element_id)}"' if element_id else ""
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg"{ident} class="chart line-chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" {FONT} font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-size="14" font-weight="bold" fill="{TEXT}">{escape(title)}</text>',
    ]
    for frac in (0, 0.5, 1):
        y = round(top + plot_h * (1 - frac), 1)
        out.append(f'<line x1="{left}" y1="{y}" x2="{width - right}" y2="{y}" stroke="{GRID}"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4}" text-anchor="end" fill="{MUTED}">{_num(peak * frac)}</text>')
    if n:
        step = plot_w / (n - 1) if n > 1 else 0
        points = [(round(left + i * step, 1), round(top + plot_h * (1 - v / peak), 1)) for i, v in enumerate(values)]
        line = " ".join(f"{x},{y}" for x, y in points)
        base = round(top + plot_h, 1)
        area = f"{points[0][0]},{base} {line} {points[-1][0]},{base}"
        out.append(f'<polygon points="{area}" fill="{escape(color)}" fill-opacity="0.15"/>')
        out.append(f'<polyline points="{line}" fill="none" stroke="{escape(color)}" stroke-width="2.5"/>')
        every = max(1, -(-n // max_ticks))
        for i in range(0, n, every):
            out.append(f'<text x="{points[i][0]}" y="{height - 8}" text-anchor="middle" fill="{MUTED}">'
                       f"{escape(labels[i])}</text>")
        out.append(f'<circle cx="{points[-1][0]}" cy="{points[-1][1]}" r="4" fill="{escape(color)}"/>')
        out.append(f'<text x="{points[-1][0] - 6}" y="{points[-1][1] - 8}" text-anchor="end" font-weight="bold" '
                   f'fill="{TEXT}">{_num(values[-1])}</text>')
    out.append("</svg>")
    return mark_safe("".join(out))
