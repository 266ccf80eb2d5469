"""Server-rendered SVG for the results page: one 100% stacked bar per Likert item (share of 1…5), no JavaScript.

Presentation attributes (``fill``, ``width``) are SVG attributes, not inline styles: the strict CSP holds.
Every text is escaped.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# 1 (very poor) … 5 (very good): red to green, readable on white and for the common colour blindness
# (lightness differs from step to step, not only the hue).
COLORS = {1: "#b2182b", 2: "#ef8a62", 3: "#bdbdbd", 4: "#67a9cf", 5: "#2166ac"}
TEXT = "#1f2933"


def distribution_bar(distribution: dict[int, int], *, title: str, width: int = 600, height: int = 28) -> SafeString:
    """A stacked bar of the shares of scores 1-5; each segment wide enough carries its percentage."""
    total = sum(distribution.values())
    out = [(f'<svg xmlns="http://www.w3.org/2000/svg" class="chart likert-bar" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="{escape(title)}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">'),
           f"<title>{escape(title)}</title>"]
    x = 0.0
    for score in (1, 2, 3, 4, 5):
        n = distribution.get(score, 0)
        if not total or not n:
            continue
        w = width * n / total
        share = round(100 * n / total)
        out.append(f'<rect x="{x:.2f}" y="0" width="{w:.2f}" height="{height}" fill="{COLORS[score]}">'
                   f"<title>{score}: {n} ({share}%)</title></rect>")
        if w >= 34:
            fill = "#ffffff" if score in (1, 5) else TEXT
            out.append(f'<text x="{x + w / 2:.2f}" y="{height / 2 + 4:.0f}" text-anchor="middle" fill="{fill}">'
                       f"{share}%</text>")
        x += w
    if not total:
        out.append(f'<text x="4" y="{height / 2 + 4:.0f}" fill="{TEXT}">{escape(_("Belum ada jawaban"))}</text>')
    out.append("</svg>")
    return mark_safe("".join(out))


def legend() -> list[dict]:
    labels = {1: _("Sangat kurang"), 2: _("Kurang"), 3: _("Cukup"), 4: _("Baik"), 5: _("Sangat baik")}
    return [{"score": s, "label": labels[s], "color": COLORS[s]} for s in (1, 2, 3, 4, 5)]


def legend_swatch(color: str) -> SafeString:
    return mark_safe(f'<svg class="swatch" viewBox="0 0 12 12" width="12" height="12" aria-hidden="true">'
                     f'<rect width="12" height="12" fill="{escape(color)}"/></svg>')
