"""Sign-in throttling: per account name and per client address, locks that grow, lifted by organisers.

The rule (``/akun/masuk/`` and ``/admin/login/``, and anything else that signs in
through ``django.contrib.auth.authenticate`` with a request):

- every failed sign-in counts one failure for the name typed (whether or not such
  an account exists, so a lock tells nothing about which accounts exist) and one
  for the client's address (``rakor.net.client_ip``; an IPv6 client by its /64);
- ``SIGNIN_ACCOUNT_LIMIT`` failures of a name, or ``SIGNIN_ADDRESS_LIMIT`` of an
  address, within ``SIGNIN_LOCK_MINUTES`` lock it for ``SIGNIN_LOCK_MINUTES``; each
  further lock within ``SIGNIN_LOCK_MAX_HOURS`` of the previous one lasts twice as
  long, up to ``SIGNIN_LOCK_MAX_HOURS`` (15 min, 30 min, 1 h, 2 h, …: a guesser gets
  a few dozen tries a day per name). The address limit is higher because a venue,
  an office or a mobile carrier puts many people behind one address;
- while a name or an address is locked, ``SignInThrottleBackend`` (first in
  AUTHENTICATION_BACKENDS) refuses the attempt before any password is hashed, the
  correct password included, and the attempt does not count (the lock ends when the
  page says it will); the page says what happened, until when, and to ask the
  organisers (``SignInForm``, ``AdminSignInForm``);
- a successful sign-in clears the name's failures (not its address's);
- organisers lift a lock at ``/akun/kunci/`` or in ``/admin/``
  (``python manage.py signin_unlock`` when no organiser can sign in); every lock
  and every lift is in the audit trail.

The state is in the database (``rakor.SignInThrottle``), shared by every process and
independent of Redis. Why not django-axes: its locks use one limit for names and
addresses alike (one NAT would lock a venue as fast as a name), its cool-off is one
window (a growing one is a per-request callable that its database handler also uses
to delete everybody else's attempts), and it signals a lock on every refused try,
where the audit trail wants one entry per lock.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.dispatch import receiver
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from .audit import audit_record, snapshot
from .models import SignInThrottle
from .net import client_ip

log = logging.getLogger("rakor.security")

ACCOUNT, ADDRESS = SignInThrottle.Kind.ACCOUNT, SignInThrottle.Kind.ADDRESS
KEY_LENGTH = SignInThrottle._meta.get_field("key").max_length


# ---------------------------------------------------------------- reads


def signin_address(request) -> str:
    """The address a request's failures count against: the client's, an IPv6 client's /64."""
    address = client_ip(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:KEY_LENGTH]
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return address


def _name(username) -> str:
    return str(username or "")[:KEY_LENGTH]


def signin_lock_for(*, username: str, address: str) -> SignInThrottle | None:
    """The lock that refuses this name from this address now (the longer one if both are locked); None if none."""
    return (SignInThrottle.objects
            .filter(Q(kind=ACCOUNT, key=_name(username)) | Q(kind=ADDRESS, key=address),
                    locked_until__gt=timezone.now())
            .order_by("-locked_until").first())


def signin_locks_active():
    """Every lock in force, the latest first (the organisers' page)."""
    return SignInThrottle.objects.filter(locked_until__gt=timezone.now()).order_by("-last_locked_at", "kind", "key")


def lock_duration(locks: int) -> dt.timedelta:
    """How long the n-th lock in a row lasts: SIGNIN_LOCK_MINUTES, doubled each time, at most SIGNIN_LOCK_MAX_HOURS."""
    longest = dt.timedelta(hours=settings.SIGNIN_LOCK_MAX_HOURS)
    return min(dt.timedelta(minutes=settings.SIGNIN_LOCK_MINUTES) * 2 ** min(max(locks, 1) - 1, 20), longest)


def lock_message(lock: SignInThrottle) -> str:
    """What the locked-out person reads: what happened, until when, what to do."""
    until = timezone.localtime(lock.locked_until)
    when = _("pukul %(time)s") % {"time": f"{until:%H:%M} {until.tzname()}"}
    if until.date() != timezone.localdate():
        when = f"{formats.date_format(until, 'j F Y')} {when}"
    if lock.kind == ADDRESS:
        return _("Terlalu banyak percobaan masuk yang gagal dari jaringan Anda. Demi keamanan, masuk dari jaringan "
                 "ini dikunci sampai %(when)s. Coba lagi setelah itu, atau minta panitia membuka kuncinya.") % {
            "when": when}
    return _("Terlalu banyak percobaan masuk yang gagal dengan nama pengguna ini. Demi keamanan, masuk dengan nama "
             "pengguna ini dikunci sampai %(when)s. Coba lagi setelah itu, atau minta panitia membuka kuncinya.") % {
        "when": when}


# ---------------------------------------------------------------- writes


def _count_failure(kind: str, key: str, limit: int, now: dt.datetime) -> SignInThrottle | None:
    """One failure for (kind, key), under a row lock; the row if this failure locked it."""
    row, _created = SignInThrottle.objects.select_for_update().get_or_create(kind=kind, key=key)
    window = dt.timedelta(minutes=settings.SIGNIN_LOCK_MINUTES)
    if row.window_started_at is None or row.window_started_at <= now - window:
        row.failures, row.window_started_at = 0, now
    row.failures += 1
    if row.failures < limit:
        row.save()
        return None
    before = snapshot(row)
    in_a_row = row.last_locked_at is not None and row.last_locked_at > now - dt.timedelta(
        hours=settings.SIGNIN_LOCK_MAX_HOURS)
    row.locks = row.locks + 1 if in_a_row else 1
    row.locked_until = now + lock_duration(row.locks)
    row.last_locked_at = now
    failures, row.failures, row.window_started_at = row.failures, 0, None
    row.save()
    with translation.override(settings.LANGUAGE_CODE):  # the trail's language, not the guesser's choice
        reason = _("%(n)d kali gagal masuk dalam %(minutes)d menit; dikunci %(duration)s.") % {
            "n": failures, "minutes": settings.SIGNIN_LOCK_MINUTES, "duration": _duration_text(row.locked_until - now)}
    audit_record(actor=None, action="signin_lock", obj=row, before=before, after=snapshot(row), reason=reason)
    log.warning("sign-in: %s %s locked until %s after %d failures (lock %d in a row)",
                kind, key, row.locked_until.isoformat(), failures, row.locks)
    return row


def _duration_text(duration: dt.timedelta) -> str:
    minutes = round(duration.total_seconds() / 60)
    if minutes % 60:
        return _("%(n)d menit") % {"n": minutes}
    return _("%(n)d jam") % {"n": minutes // 60}


def signin_failure_record(*, username: str, address: str) -> SignInThrottle | None:
    """Count one failed sign-in for the name and for the address; the lock it started, if any.

    Locks both rows (one transaction), so concurrent failures count exactly; a lock
    it starts is audited (actor: none, the system). Rows untouched for longer than
    SIGNIN_LOCK_MAX_HOURS and not locked are deleted on the way, so the table holds
    only what is recent.
    """
    now = timezone.now()
    with transaction.atomic():
        locked = [row for row in (
            _count_failure(ACCOUNT, _name(username), settings.SIGNIN_ACCOUNT_LIMIT, now),
            _count_failure(ADDRESS, address, settings.SIGNIN_ADDRESS_LIMIT, now),
        ) if row is not None]
        SignInThrottle.objects.filter(
            Q(locked_until__isnull=True) | Q(locked_until__lt=now),
            updated_at__lt=now - dt.timedelta(hours=settings.SIGNIN_LOCK_MAX_HOURS),
        ).delete()
    return max(locked, key=lambda row: row.locked_until) if locked else None


def signin_success_record(*, username: str) -> None:
    """A successful sign-in clears the name's failures (its lock history stays, and the address's count)."""
    SignInThrottle.objects.filter(kind=ACCOUNT, key=_name(username), failures__gt=0).update(
        failures=0, window_started_at=None)


def signin_unlock(*, throttle: SignInThrottle, by, reason: str = "") -> SignInThrottle:
    """Lift a lock now and forget its failures and its history (the next lock is a first one again); audited.

    ``by`` is the organiser (or None from the management command). Idempotent: lifting
    a lock that has ended records nothing.
    """
    with transaction.atomic():
        row = SignInThrottle.objects.select_for_update().get(pk=throttle.pk)
        if not row.is_locked:
            return row
        before = snapshot(row)
        row.locked_until = None
        row.failures, row.window_started_at, row.locks = 0, None, 0
        row.save()
        audit_record(actor=by, action="signin_unlock", obj=row, before=before, after=snapshot(row), reason=reason)
    log.warning("sign-in: %s %s unlocked by %s", row.kind, row.key, getattr(by, "username", None) or "manage.py")
    return row


# ---------------------------------------------------------------- the authentication hooks


class SignInThrottleBackend:
    """First in AUTHENTICATION_BACKENDS: refuses a locked name or address before any backend hashes a password.

    It never signs anyone in, and has no ``get_user``, so sessions and
    ``force_login`` go to the backends after it.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or username is None:
            return None  # not an HTTP sign-in (management commands, tests' client.login)
        lock = signin_lock_for(username=username, address=signin_address(request))
        if lock is not None:
            request.signin_lock = lock
            request.signin_refused = True
            raise PermissionDenied  # authenticate() stops here and sends user_login_failed
        return None


@receiver(user_login_failed, dispatch_uid="rakor-signin-failed")
def _on_login_failed(sender, credentials, request=None, **kwargs):
    if request is None or getattr(request, "signin_refused", False):
        return  # refused while locked: not counted, so the lock ends when the page says
    lock = signin_failure_record(username=credentials.get("username", ""), address=signin_address(request))
    if lock is not None:
        request.signin_lock = lock


@receiver(user_logged_in, dispatch_uid="rakor-signin-succeeded")
def _on_logged_in(sender, request=None, user=None, **kwargs):
    if user is not None:
        signin_success_record(username=user.get_username())


def signin_locked(request) -> SignInThrottle | None:
    """The lock that refused (or was started by) this request's sign-in, if any."""
    return getattr(request, "signin_lock", None)


class _LockMessageMixin:
    def get_invalid_login_error(self):
        lock = signin_locked(self.request) if self.request is not None else None
        if lock is not None:
            return forms.ValidationError(lock_message(lock), code="locked")
        return super().get_invalid_login_error()


class SignInForm(_LockMessageMixin, AuthenticationForm):
    """Rakor's sign-in form: Django's, with the lock's message instead of "wrong password" when locked."""


class AdminSignInForm(_LockMessageMixin, AdminAuthenticationForm):
    """The same for /admin/login/."""
