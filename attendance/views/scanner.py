"""The registration desk's scanner page (issue 3, items 4 and 5).

The page itself holds no personal data: everything comes from the scanner API,
authorised either by the operator's session (rakor.roles.can_scan) or by a scanner
device token that the organiser's set-up link (``?setup=1#token=<token>``) stored on the
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
from rakor.security_headers import permissions_policy_update

from ..api.scanner import MAX_BATCH, SEARCH_MIN


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
        "stale_scan": _("Waktu pindaian tidak diterima"),
        "stale_scan_next": _("Pindaian luring ini sampai di server lebih dari {hours} jam setelah dipindai, atau jam "
                             "perangkat lebih cepat dari jam server. Tidak dicatat hadir. Periksa tanggal dan jam "
                             "perangkat; bila peserta masih di lokasi, pindai ulang tiketnya sekarang."),
        "stale_item": _("{name}: pindaian luring pukul {time} ditolak server (waktu pindaian tidak diterima). "
                        "Pindai ulang bila peserta masih di lokasi."),
        "device_expired": _("Perangkat pemindai kedaluwarsa"),
        "device_expired_next": _("Perangkat ini hanya berlaku selama acaranya. Pindaian ini tidak dicatat hadir. "
                                 "Minta panitia memasang perangkat untuk acara yang sedang berjalan."),
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
        "search_short": _("Ketik minimal 3 huruf atau angka."),
        "search_none": _("Tidak ditemukan."),
        "search_none_rule": _("Tidak ditemukan. NIP dicari hanya utuh, atau 4 angka terakhirnya bersama nama."),
        "search_offline": _("Luring: pencarian hanya menurut nama dari data yang diunduh."),
        "check_in": _("Catat hadir"),
        "checked_in": _("Sudah hadir"),
        "device_ready": _("Perangkat ini sudah dipasang sebagai pemindai acara ini."),
        "device_revoked": _("Token perangkat tidak dikenal atau sudah dicabut. Minta kode pemasangan baru dari panitia."),
        "forbidden": _("Tidak berhak memindai untuk acara ini."),
        "need_login": _("Perangkat ini belum dipasang. Masuk sebagai petugas registrasi atau pindai kode pemasangan dari panitia."),
        "server_error": _("Server menolak permintaan ({status})."),
        "nip": _("NIP"),
        # The short code typed at the desk (issue 13, item 6).
        "code_typo": _("Kode salah ketik: periksa lagi"),
        "code_typo_next": _("Satu huruf atau angka tidak cocok dengan huruf pemeriksa di akhir kode. Minta peserta "
                            "membacakan kodenya sekali lagi, huruf demi huruf."),
        # What the red screen says to do next, for every refusal (issue 12, item 5).
        "invalid_ticket_next": _("QR atau kode ini tidak dibuat panitia acara ini: palsu, rusak, atau terpotong. "
                                 "Minta peserta membuka tiket dari portal pribadinya lalu pindai lagi, atau cari "
                                 "namanya di “Cari peserta tanpa ponsel”."),
        "wrong_event_next": _("Tiket ini untuk acara lain. Bila peserta juga terdaftar di acara ini, cari namanya di "
                              "“Cari peserta tanpa ponsel”; bila tidak, arahkan ke meja panitia."),
        "revoked_next": _("Tiket ini dicabut panitia dan tidak dapat dipakai masuk. Arahkan peserta ke meja panitia."),
        "outside_window_next": _("Registrasi tidak dibuka pada jam ini, atau hari ini bukan hari acara. Minta peserta "
                                 "kembali saat registrasi dibuka, atau hubungi panitia."),
        "not_approved_next": _("Pendaftaran ini belum disetujui (atau ditolak). Jangan diloloskan: minta peserta "
                               "menghubungi koordinator unitnya atau panitia."),
        "no_entry_next": _("Belum ada pindaian masuk peserta ini hari ini: pindai dulu di pintu masuk."),
        "unknown_offline_next": _("Perangkat sedang luring dan data pesertanya belum memuat orang ini. Tunggu jaringan "
                                  "kembali lalu pindai lagi."),
        "no_bundle_next": _("Sambungkan perangkat ke jaringan sekali agar data luring terunduh, lalu pindai lagi."),
        "not_in_person_next": _("Peserta ini terdaftar daring untuk hari ini, jadi belum memegang kursi di tempat."),
        "not_in_person_seat": _("Masih ada kursi luring: ketuk “Terima hadir luring” untuk mengubahnya menjadi hadir di "
                                "tempat dan mencatatnya masuk."),
        "not_in_person_full": _("Kursi luring penuh: {detail} Peserta tetap dapat mengikuti secara daring dari portalnya."),
        "not_in_person_offline": _("Perubahan ke luring perlu jaringan: tunggu terhubung lalu pindai lagi."),
        "admit_in_person": _("Terima hadir luring"),
        "admitted_in_person": _("Diterima luring: cara hadir hari ini diubah dan dicatat di jejak audit."),
        "admit_refused": _("Tidak dapat diterima luring"),
        "gate_unknown": _("tempat tidak tercatat"),
        # The camera's errors in the page's language, not the browser's (issue 12, item 5).
        "camera_denied": _("Izin kamera ditolak. Izinkan kamera untuk situs ini di pengaturan peramban, lalu coba lagi."),
        "camera_missing": _("Tidak ada kamera yang dapat dipakai di perangkat ini."),
        "camera_busy": _("Kamera sedang dipakai aplikasi lain. Tutup aplikasi itu, lalu coba lagi."),
        "camera_insecure": _("Kamera hanya dapat dibuka pada alamat https://. Buka pemindai dari alamat resmi acara."),
        "camera_failed": _("Kamera tidak dapat dibuka. Pakai pemindai genggam atau ketik kode tiket."),
        "offline_ready": _("Halaman pemindai tersimpan di perangkat ini: tetap bisa dibuka tanpa jaringan."),
    }


def _login_url() -> str:
    # The staff sign-in page (rakor.urls_auth) when it is installed, else the project's LOGIN_URL.
    try:
        return reverse("login")
    except NoReverseMatch:
        return resolve_url(settings.LOGIN_URL)


@permissions_policy_update({"camera": ["self"]})  # the one page that may use the camera
@never_cache
def scanner_page(request, slug):
    event = get_object_or_404(Event, slug=slug)
    # A set-up link (?setup=1#token=…; the token itself never reaches the server) opens the page for
    # anyone: a desk phone may still be signed in as someone without the scanner role.
    if request.user.is_authenticated and not can_scan(request.user) and "setup" not in request.GET:
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
        "offlineHours": event.offline_hours,
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
    # Belt and braces: the page's own URL never carries a secret, and never goes onwards as a Referer.
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
    "rakor/scanner/codes.js",
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
