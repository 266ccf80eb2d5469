"""Markdown for the minutes' text, sanitised with nh3 before it reaches any page or PDF.

The minute taker writes Markdown (headings, lists, emphasis, tables, links). Raw HTML
in the text is not trusted: whatever the Markdown produces goes through nh3 with a
short allow-list. No images (a PDF must never fetch anything), no scripts, no styles,
no event handlers; links only to http(s) and mailto.
"""

from __future__ import annotations

import markdown as md
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "u", "s", "del", "ins", "sub", "sup", "code", "pre", "blockquote",
    "ul", "ol", "li", "dl", "dt", "dd", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "a",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
EXTENSIONS = ["tables", "sane_lists", "nl2br", "def_list"]


def render_markdown(text: str | None) -> SafeString:
    """Markdown → HTML that is safe to put into a page or a WeasyPrint document."""
    if not text:
        return mark_safe("")
    html = md.markdown(text, extensions=EXTENSIONS, output_format="html")
    # Headings of the minutes themselves are h1/h2: the text's own start at h3.
    for level in (1, 2):
        html = html.replace(f"<h{level}>", "<h3>").replace(f"</h{level}>", "</h3>")
    clean = nh3.clean(
        html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow", strip_comments=True,
    )
    return mark_safe(clean)  # noqa: S308 — sanitised by nh3 just above
