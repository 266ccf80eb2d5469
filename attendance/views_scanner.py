"""The registration desk's scanner page (issue 3, items 4 and 5).

The page itself holds no personal data: everything comes from the scanner API,
authorised either by the operator's session (rakor.roles.can_scan) or by a scanner
device token that the organiser's set-up link (``?device=<token>``) stored on the
device. That is why the page is also served to a visitor who is not logged in:
without a device token its script only offers the login link.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render, resolve_url
from django.template.loader import get_template
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from rakor.models import Event
from rakor.roles import can_scan

from .api_scanner import MAX_BATCH, SEARCH_MIN


def scanner_messages() -> dict[str, str]:
    """Every sentence the page's script shows, translated here ({n}, {name}, … are filled in by the script)."""
    return {
        "ok": _("Silakan masuk"),
        "ok_offline": _("Diterima (luring)"),
        "already_checked_in": _("Sudah tercatat masuk"),
        "invalid_ticket": _("Tiket tidak sah"),
        "wrong_event": _("Tiket untuk acara lain"),
        "not_in_person": _("Terdaftar daring untuk hari ini"),
        "not_approved": _("Pendaftaran belum disetujui"),
        "revoked": _("Tiket dicabut"),
        "outside_window": _("Di luar jam registrasi"),
        "no_entry": _("Belum tercatat masuk"),
        "unknown_offline": _("Tiket sah, tetapi tidak ada di daftar peserta luring yang diunduh"),
        "no_bundle": _("Data luring belum diunduh: tiket tidak dapat diperiksa"),
        "first_time": _("Pertama kali tercatat pukul {time} di {gate}"),
        "this_device": _("perangkat ini"),
        "offline_note": _("Diperiksa di perangkat; akan dikirim ke server saat jaringan kembali."),
        "online": _("Terhubung"),
        "offline": _("LURING — tidak terhubung ke server. Pindaian disimpan di perangkat ini dan dikirim saat jaringan kembali."),
        "queue": _("Antrean belum terkirim: {n}"),
        "synced": _("{n} pindaian luring terkirim ke server."),
        "sync_failed": _("Pengiriman antrean gagal; dicoba lagi otomatis."),
        "conflict": _("Konflik: {name} sudah diloloskan di {gate} pukul {time}. Kedua pindaian dicatat, dihitung sekali."),
        "differs": _("{name}: diterima saat luring, tetapi server menjawab “{result}”."),
        "rejected_item": _("Pindaian {time} tidak dapat dicatat server: {error}"),
        "bundle_ok": _("Data luring: {n} peserta luring, diperbarui {time}"),
        "bundle_missing": _("Data luring belum diunduh."),
        "count_pending": _("+{n} luring"),
        "camera_on": _("Nyalakan kamera"),
        "camera_off": _("Matikan kamera"),
        "camera_error": _("Kamera tidak dapat dibuka: {error}"),
        "search_short": _("Ketik minimal 3 huruf atau angka."),
        "search_none": _("Tidak ditemukan."),
        "search_offline": _("Luring: pencarian hanya menurut nama dari data yang diunduh."),
        "check_in": _("Catat hadir"),
        "checked_in": _("Sudah hadir"),
        "device_ready": _("Perangkat ini sudah dipasang sebagai pemindai acara ini."),
        "device_revoked": _("Token perangkat tidak dikenal atau sudah dicabut. Minta kode pemasangan baru dari panitia."),
        "forbidden": _("Tidak berhak memindai untuk acara ini."),
        "need_login": _("Perangkat ini belum dipasang. Masuk sebagai petugas registrasi atau pindai kode pemasangan dari panitia."),
        "server_error": _("Server menolak permintaan ({status})."),
        "nip": _("NIP"),
        "offline_ready": _("Halaman pemindai tersimpan di perangkat ini: tetap bisa dibuka tanpa jaringan."),
    }


def _login_url() -> str:
    # The staff sign-in page (rakor.urls_auth) when it is installed, else the project's LOGIN_URL.
    try:
        return reverse("login")
    except NoReverseMatch:
        return resolve_url(settings.LOGIN_URL)


@never_cache
def scanner_page(request, slug):
    event = get_object_or_404(Event, slug=slug)
    if request.user.is_authenticated and not can_scan(request.user) and "device" not in request.GET:
        raise PermissionDenied(_("Halaman ini hanya untuk petugas registrasi dan panitia."))
    operator = request.user.is_authenticated and can_scan(request.user)
    login_url = _login_url() + "?" + urlencode({"next": request.path})
    config = {
        "event": event.slug,
        "eventName": event.name,
        "timeZone": event.time_zone,
        "operator": bool(operator),
        "csrfToken": get_token(request) if operator else "",
        "loginUrl": login_url,
        "batchMax": MAX_BATCH,
        "searchMin": SEARCH_MIN,
        "urls": {
            "checkin": reverse("api-checkin"),
            "batch": reverse("api-checkin-batch"),
            "bundle": reverse("api-scanner-bundle", args=[event.slug]),
            "search": reverse("api-registration-search", args=[event.slug]),
            "today": reverse("api-checkins-today", args=[event.slug]),
            "jsqr": static("rakor/scanner/vendor/jsQR.js"),
        },
        "messages": scanner_messages(),
        # The service worker that keeps this page and its files on the device (scanner_worker below).
        "offline": {"worker": reverse("attendance:scanner-worker", args=[event.slug]),
                    "page": reverse("attendance:scanner", args=[event.slug])},
    }
    response = render(request, "attendance/scanner/scan.html", {"event": event, "config": config})
    # The set-up link carries a device token: never send it onwards as a Referer.
    response["Referrer-Policy"] = "same-origin"
    return response


# ---------------------------------------------------------------- the page, offline: a service worker
#
# A desk that reloads the page (or whose phone drops the tab) while the hotel's network is down
# would otherwise get the browser's error page, although the queued scans and the roster are safe
# in IndexedDB. The worker keeps the page and these files in the browser's Cache Storage.
# It is served from /e/<slug>/scan/sw.js, so its default scope is exactly the event's scanner page
# (no Service-Worker-Allowed header, and no other page of the site is ever served by it).

# Every static file the page loads: the ones its HTML names (base.html and scan.html), the module
# ticket.js imports, and the two libraries the script loads only when the browser lacks
# BarcodeDetector or Ed25519. Add a file here when the page starts to load one more.
SCANNER_ASSETS = (
    "rakor/site.css",
    "rakor/scanner/scanner.css",
    "rakor/scanner/scanner.js",
    "rakor/scanner/ticket.js",
    "rakor/scanner/vendor/jsQR.js",
    "rakor/scanner/vendor/noble-ed25519.js",
)

# How long a page load waits for the server before the worker serves the kept copy of the page.
NAVIGATION_TIMEOUT_MS = 3000


@functools.lru_cache(maxsize=64)
def _file_digest(path: str, mtime_ns: int, size: int) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(65536), b""):
            sha.update(block)
    return sha.hexdigest()


def _asset_digest(name: str) -> str:
    """The content of one static file, or "" when it cannot be read here (the URL still counts)."""
    found = finders.find(name)
    if not found:
        try:
            found = staticfiles_storage.path(name)
        except (NotImplementedError, ValueError):
            return ""
    try:
        stat = os.stat(found)
    except OSError:
        return ""
    return _file_digest(found, stat.st_mtime_ns, stat.st_size)


def worker_version(asset_urls: list[str]) -> str:
    """Changes whenever a file the worker keeps changes (its URL, when the storage hashes names, or
    its bytes, when it does not). A new version makes the worker's own bytes differ, so browsers
    install it, fetch the files again into a new cache and drop the old one: with cache-first
    static files that is how a deployed change reaches the desks."""
    sha = hashlib.sha256()
    for name, url in zip(SCANNER_ASSETS, asset_urls):
        sha.update(f"{url}\0{_asset_digest(name)}\0".encode())
    return sha.hexdigest()[:16]


_JS_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026",
               ord("\u2028"): "\\u2028", ord("\u2029"): "\\u2029"}


def scanner_worker(request, slug):
    event = get_object_or_404(Event, slug=slug)
    assets = [static(name) for name in SCANNER_ASSETS]
    prefix = f"rakor-scanner:{event.slug}:"
    config = {
        "cache": prefix + worker_version(assets),
        "cachePrefix": prefix,
        "page": reverse("attendance:scanner", args=[event.slug]),
        "assets": assets,
        "staticPrefix": static(""),
        "timeout": NAVIGATION_TIMEOUT_MS,
    }
    config_js = mark_safe(json.dumps(config, ensure_ascii=False).translate(_JS_ESCAPES))
    body = get_template("attendance/scanner/sw.js").render({"config": config_js})
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    # Browsers check the worker for updates on page loads; no-cache keeps every check at the server.
    response["Cache-Control"] = "no-cache"
    return response
