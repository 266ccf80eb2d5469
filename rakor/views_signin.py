"""Staff sign-in and sign-out (/akun/masuk/, /akun/keluar/) and /akun/kunci/, where organisers lift sign-in locks.

Sign-in is throttled per name and per address (rakor.signin). Who may open which page after
that is rakor.access.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .models import SignInThrottle
from .roles import is_organiser
from .signin import SignInForm, signin_locked, signin_locks_active, signin_unlock


def home_for(user) -> str:
    """Where a user lands after signing in when no ?next= was given: the landing per role (console.landing)."""
    return resolve_url(settings.LOGIN_REDIRECT_URL)


class LoginView(auth_views.LoginView):
    """Sign-in, throttled per name and per address (rakor.signin): a locked one gets 429 and says until when."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True
    authentication_form = SignInForm

    def get_default_redirect_url(self):
        return home_for(self.request.user)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if signin_locked(self.request) is not None:
            response.status_code = 429
        return response


class LogoutView(auth_views.LogoutView):
    """POST only (Django 5); back to the login page with a confirmation."""

    def get_success_url(self):
        return self.get_redirect_url() or reverse("login")

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("Anda sudah keluar."))
        return response


class UnlockForm(forms.Form):
    throttle = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=gettext_lazy("Alasan (untuk jejak audit)"), max_length=500, required=False)


@never_cache
@require_http_methods(["GET", "POST"])
def signin_locks(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not is_organiser(request.user):
        raise PermissionDenied(_("Halaman ini hanya untuk panitia."))
    if request.method == "POST":
        form = UnlockForm(request.POST)
        if form.is_valid():
            throttle = get_object_or_404(SignInThrottle, pk=form.cleaned_data["throttle"])
            was_locked = throttle.is_locked
            signin_unlock(throttle=throttle, by=request.user, reason=form.cleaned_data["reason"])
            if was_locked:
                messages.success(request, _("Kunci %(what)s dibuka: dapat masuk lagi sekarang.") % {"what": throttle})
            else:
                messages.info(request, _("%(what)s sudah tidak terkunci.") % {"what": throttle})
        return redirect("signin_locks")
    return render(request, "rakor/signin_locks.html", {"locks": list(signin_locks_active()), "form": UnlockForm()})
