"""WeasyPrint rendering shared by every printable document.

One FontConfiguration for the process; a URL fetcher that serves only our own
static and media files from disk and refuses everything else (no network, no
file:// outside the project).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse


class RefusedURL(FatalURLFetchingError):
    """A document asked for something other than our own files: rendering stops and says which URL."""


def _static_path(url: str) -> Path | None:
    for prefix, resolve in (
        ("/" + settings.STATIC_URL.lstrip("/"), lambda rel: finders.find(rel)),
        ("/" + settings.MEDIA_URL.lstrip("/"), lambda rel: str(Path(settings.MEDIA_ROOT) / rel)),
    ):
        for base in (prefix, settings.SITE_URL + prefix):
            if url.startswith(base):
                rel = url[len(base):].split("?")[0]
                if ".." in Path(rel).parts:
                    return None
                found = resolve(rel)
                return Path(found) if found and Path(found).is_file() else None
    return None


class OwnFilesFetcher(URLFetcher):
    """Serves data: URIs and our own static/media files from disk; refuses everything else.

    No network, no file:// — a template cannot make the server read or fetch anything
    but the project's own assets.
    """

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = _static_path(url)
        if path is None:
            raise RefusedURL(f"URL not allowed in documents: {url}")
        mime, _ = mimetypes.guess_type(str(path))
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime or "application/octet-stream"})


_font_config = None


def font_config():
    global _font_config
    if _font_config is None:
        from weasyprint.text.fonts import FontConfiguration

        _font_config = FontConfiguration()
    return _font_config


def render_pdf(template: str, context: dict, *, stylesheets: list | None = None) -> bytes:
    """Render a Django template to PDF bytes with the project's fetcher and fonts."""
    from weasyprint import HTML

    html = render_to_string(template, context)
    return HTML(string=html, base_url=settings.SITE_URL + "/", url_fetcher=OwnFilesFetcher()).write_pdf(
        font_config=font_config(), stylesheets=stylesheets
    )
