"""Branded error pages (400, 403, 404, 500, CSRF failure) in the person's language, saying what to do next.

Wired in rakor/urls.py (handler400/403/404/500) and settings.CSRF_FAILURE_VIEW. The
language is the one ChosenLanguageMiddleware activated for the request. The 404 is
Django's own page_not_found with templates/404.html (the portal's unknown-secret answer calls
the same view, so every missing page has the same bytes: nothing in it depends on the request).
The 500 page is rendered without the request: whatever broke (the database, the session
store) must not break the page that says so.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token


def _page(request, status: int, title: str, lines: list[str], *, reason: str = "", actions=True) -> HttpResponse:
    context = {"status": status, "title": title, "lines": lines, "reason": reason, "actions": actions}
    return render(request, "errors/error.html", context, status=status)


@requires_csrf_token
def bad_request(request, exception=None):
    return _page(request, 400, _("Permintaan tidak dapat dibaca"), [
        _("Halaman menerima permintaan yang tidak lengkap atau rusak."),
        _("Muat ulang halaman lalu coba lagi. Jika Anda membuka tautan dari e-mail atau WhatsApp, salin tautan itu "
          "utuh sampai karakter terakhir."),
    ])


@requires_csrf_token
def permission_denied(request, exception=None):
    reason = str(exception) if exception is not None and str(exception) else ""
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        lines = [_("Akun Anda tidak memiliki akses ke halaman ini."),
                 _("Buka halaman kerja Anda dengan tombol di bawah, atau keluar lalu masuk dengan akun lain. Jika "
                   "seharusnya Anda punya akses, minta panitia menambahkan peran itu ke akun Anda.")]
    else:
        lines = [_("Halaman ini hanya untuk petugas yang sudah masuk."),
                 _("Masuk dengan akun yang diberikan panitia, lalu buka lagi halaman ini.")]
    return _page(request, 403, _("Anda tidak punya akses ke halaman ini"), lines, reason=reason)


def server_error(request):
    html = render_to_string("errors/error.html", {
        "status": 500, "title": _("Terjadi kesalahan di server"), "actions": False, "plain": True,
        "lines": [_("Kesalahan ini sudah dicatat dan bukan karena Anda."),
                  _("Coba lagi beberapa menit lagi. Jika tetap terjadi, hubungi panitia acara dan sebutkan waktu "
                    "kejadiannya.")],
    })
    return HttpResponse(html, status=500)


@requires_csrf_token
def csrf_failure(request, reason=""):
    return _page(request, 403, _("Formulir ini sudah kedaluwarsa"), [
        _("Demi keamanan, formulir hanya dapat dikirim dari halaman yang baru dibuka, dengan cookie diizinkan."),
        _("Kembali ke halaman sebelumnya, muat ulang (tarik ke bawah atau tekan F5), isi lagi, lalu kirim. Jika tetap "
          "gagal, izinkan cookie untuk situs ini di pengaturan browser."),
    ])
