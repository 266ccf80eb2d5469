"""WeasyPrint rendering shared by every printable document.

One FontConfiguration for the process and one URL fetcher, ``OwnFilesFetcher``, for every
document the project makes (ticket, daftar hadir, recap, notula, certificates) and for the
check of a certificate template when an organiser saves it. The fetcher resolves a URL only
to a file under the storage the URL names, and refuses everything else:

- ``<SITE_URL>/static/<path>`` (or ``/static/<path>``): a file the staticfiles finders or
  ``STATIC_ROOT`` hold, whose real path (symlinks resolved) is inside that folder;
- ``<SITE_URL>/media/<name>``: read through Django's storage API (``default_storage``), so
  media on S3 is read the same way as media on disk;
- ``data:`` URIs.

Refused, with ``RefusedURL`` naming the URL and why: other schemes (``file:``, ``ftp:``…),
other hosts, other paths of our own site, a name that is absolute after the prefix
(``/media//etc/passwd``), ``.`` or ``..`` segments (also percent-encoded), backslashes,
control characters, doubly percent-encoded names, missing files and symlinks out of the
folder. Attachments (``rel="attachment"`` links, which WeasyPrint embeds into the PDF as
files) are refused in every document; a document whose design needs one may allow our own
static files as attachments (``allow_static_attachments``), nothing else.

``RefusedURL`` stops WeasyPrint (it is a ``FatalURLFetchingError``, a BaseException);
``layout_document`` and ``render_pdf`` turn it into ``DocumentRefused`` (an ordinary
exception) so that a view or a form can answer with the message.
"""

from __future__ import annotations

import mimetypes
import os
import re
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

_CONTROL = re.compile(r"[\x00-\x1f\x7f\\]")


def _refusal_message(url: str, reason: str) -> str:
    return _("URL tidak diizinkan dalam dokumen: %(url)s (%(reason)s)") % {"url": url, "reason": reason}


class RefusedURL(FatalURLFetchingError):
    """A document asked for something other than our own files: rendering stops and says which URL and why."""

    def __init__(self, url: str, reason: str):
        self.url, self.reason = url, reason
        super().__init__(_refusal_message(url, reason))


class DocumentRefused(ValueError):
    """``RefusedURL`` once out of WeasyPrint: an ordinary exception with the same message, URL and reason."""

    def __init__(self, refused: RefusedURL):
        self.url, self.reason = refused.url, refused.reason
        super().__init__(str(refused))


def _reason_other() -> str:
    return _("hanya berkas statis dan media situs ini yang boleh dipakai")


@dataclass(frozen=True)
class OwnFile:
    """Where a URL resolves to: ``kind`` "static" (``path`` on disk) or "media" (``name`` in the storage)."""

    kind: str
    name: str
    path: str = ""


def _prefixes() -> list[tuple[str, str]]:
    site_path = urlsplit(settings.SITE_URL).path.rstrip("/")
    return [("static", "/" + settings.STATIC_URL.strip("/") + "/"), ("media", "/" + settings.MEDIA_URL.strip("/") + "/"),
            ("static", site_path + "/" + settings.STATIC_URL.strip("/") + "/"),
            ("media", site_path + "/" + settings.MEDIA_URL.strip("/") + "/")]


def _clean_name(url: str, raw: str) -> str:
    """The storage name of ``raw`` (what follows the prefix), or RefusedURL when it could leave the folder."""
    name = unquote(raw)
    if "%" in name or _CONTROL.search(name):
        raise RefusedURL(url, _("garis miring terbalik, karakter kendali atau pengodean persen berlapis"))
    if name.startswith("/") or "//" in name:
        raise RefusedURL(url, _("jalur mutlak atau garis miring ganda setelah awalan"))
    if any(part in (".", "..") for part in name.split("/")):
        raise RefusedURL(url, _("“.” atau “..” dalam jalur"))
    if not name or name.endswith("/"):
        raise RefusedURL(url, _("bukan nama berkas"))
    return name


def _within(path: str, roots: list[str]) -> bool:
    real = os.path.realpath(path)
    return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def _static_roots() -> list[str]:
    roots = [os.path.realpath(settings.STATIC_ROOT)] if settings.STATIC_ROOT else []
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            location = getattr(storage, "location", None)
            if location:
                roots.append(os.path.realpath(location))
    return roots


def resolve(url: str) -> OwnFile:
    """Which of our own files ``url`` names; RefusedURL (naming the URL and why) for anything else."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        site = urlsplit(settings.SITE_URL)
        if parts.scheme.lower() not in ("http", "https") or (parts.scheme.lower(), parts.netloc.lower()) != (
                site.scheme.lower(), site.netloc.lower()):
            raise RefusedURL(url, _reason_other())
    for kind, prefix in _prefixes():
        if parts.path.startswith(prefix):
            name = _clean_name(url, parts.path[len(prefix):])
            break
    else:
        raise RefusedURL(url, _reason_other())
    if kind == "media":
        return OwnFile("media", name)
    roots = _static_roots()
    found = finders.find(name)
    if not found and settings.STATIC_ROOT and os.path.isfile(os.path.join(settings.STATIC_ROOT, name)):
        found = os.path.join(settings.STATIC_ROOT, name)
    if not found or not os.path.isfile(found):
        raise RefusedURL(url, _("berkas tidak ditemukan"))
    if not _within(found, roots):
        raise RefusedURL(url, _("tautan simbolik ke luar folder berkas statis"))
    return OwnFile("static", name, found)


def _read_media(url: str, name: str) -> bytes:
    try:
        local = default_storage.path(name)
    except NotImplementedError:  # remote storage (S3): no links to follow
        local = None
    except SuspiciousFileOperation:
        raise RefusedURL(url, _("“.” atau “..” dalam jalur"))
    location = getattr(default_storage, "location", None)
    if local is not None and location and os.path.lexists(local) and not _within(local, [os.path.realpath(location)]):
        raise RefusedURL(url, _("tautan simbolik ke luar folder media"))
    try:
        with default_storage.open(name, "rb") as fh:
            return fh.read()
    except SuspiciousFileOperation:
        raise RefusedURL(url, _("“.” atau “..” dalam jalur"))
    except (OSError, ValueError):
        raise RefusedURL(url, _("berkas tidak ditemukan"))


class OwnFilesFetcher(URLFetcher):
    """The one URL fetcher of every document: data: URIs and our own static and media files, nothing else."""

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        own = resolve(url)
        if own.kind == "static":
            with open(own.path, "rb") as fh:
                data = fh.read()
        else:
            data = _read_media(url, own.name)
        mime, _encoding = mimetypes.guess_type(own.name)
        return URLFetcherResponse(url, data, {"Content-Type": mime or "application/octet-stream"})


def _is_attachment(element) -> bool:
    return any(token.lower() == "attachment" for token in (element.get("rel") or "").split())


def _check_attachment(url: str, allow_static: bool) -> None:
    if not allow_static:
        raise RefusedURL(url, _("lampiran tidak diizinkan dalam dokumen"))
    if url.startswith("data:") or resolve(url).kind != "static":
        raise RefusedURL(url, _("lampiran hanya boleh berkas statis situs ini"))


def refuse_attachments(html, *, allow_static: bool = False) -> None:
    """RefusedURL for the first ``rel="attachment"`` element of a parsed WeasyPrint ``HTML``.

    Every element counts (``<a>``, ``<link>``, ``<area>``…), with or without ``href``: a
    stylesheet can give a link its target. With ``allow_static``, each one must name one of
    our own static files.
    """
    for element in html.etree_element.iter():
        if isinstance(element.tag, str) and _is_attachment(element):
            href = (element.get("href") or "").strip()
            _check_attachment(urljoin(html.base_url or "", href) if href else f"<{element.tag} rel=attachment>",
                              allow_static)


def _refuse_laid_out_attachments(document, allow_static: bool) -> None:
    # What WeasyPrint will embed: links it laid out as attachments (their targets may come from CSS)
    # and <link rel=attachment> metadata. refuse_attachments has refused them already; this holds
    # even if a later WeasyPrint finds attachments elsewhere.
    for page in document.pages:
        for link_type, target, _rect, _box in page.links:
            if link_type == "attachment":
                _check_attachment(target, allow_static)
    if document.metadata.attachments and not allow_static:
        raise RefusedURL("<link rel=attachment>", _("lampiran tidak diizinkan dalam dokumen"))


_font_config = None


def font_config():
    global _font_config
    if _font_config is None:
        from weasyprint.text.fonts import FontConfiguration

        _font_config = FontConfiguration()
    return _font_config


def layout_document(html: str, *, allow_static_attachments: bool = False):
    """The laid-out WeasyPrint document of ``html`` (our fetcher, fonts and attachment rule).

    Raises DocumentRefused naming the first URL the document may not use; its
    ``write_pdf()`` fetches nothing but attachments this function allowed.
    """
    from weasyprint import HTML

    try:
        parsed = HTML(string=html, base_url=settings.SITE_URL + "/", url_fetcher=OwnFilesFetcher())
        refuse_attachments(parsed, allow_static=allow_static_attachments)
        document = parsed.render(font_config=font_config())
        _refuse_laid_out_attachments(document, allow_static_attachments)
    except RefusedURL as exc:
        raise DocumentRefused(exc) from None
    return document


def write_pdf(document) -> bytes:
    """``document.write_pdf()`` with a refusal as DocumentRefused."""
    try:
        return document.write_pdf()
    except RefusedURL as exc:
        raise DocumentRefused(exc) from None


def render_pdf(template: str, context: dict) -> bytes:
    """Render a Django template to PDF bytes with the project's fetcher and fonts."""
    return write_pdf(layout_document(render_to_string(template, context)))
