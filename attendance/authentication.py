"""Scanner devices authenticate with their own token: ``Authorization: Device <token>``."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from rakor.localcache import NodeLocalCache

from .models import ScannerDevice


class DeviceUser(AnonymousUser):
    """The 'user' of a request made by a scanner device: authenticated, but nobody's account."""

    def __init__(self, device: ScannerDevice):
        super().__init__()
        self.device = device

    @property
    def is_authenticated(self):  # type: ignore[override]
        return True


# A desk scans every few seconds per device: the device (and its event) is kept in each
# process's memory for a few seconds instead of a query per scan. Revoking a device
# invalidates it on every app node (rakor.localcache: a generation in the shared cache,
# re-read by each process every CHECK_SECONDS), so every node refuses it within a second;
# without Redis, other processes refuse it within DEVICE_CACHE_SECONDS.
DEVICE_CACHE_SECONDS = 5
_devices = NodeLocalCache("scanner-devices", ttl=DEVICE_CACHE_SECONDS)


def forget_devices() -> None:
    """Forget the cached devices in this process (tests)."""
    _devices.clear_here()


def devices_changed() -> None:
    """A device was revoked (or changed): every process drops its cached devices once this commits."""
    _devices.invalidate_on_commit()


@receiver([post_save, post_delete], sender=ScannerDevice)
def _device_saved(**kwargs):
    # The revoke service says so itself; this covers every other save (the admin), never a queryset update().
    devices_changed()


def device_expired_message(device: ScannerDevice) -> str:
    return _("Perangkat pemindai ini hanya berlaku untuk %(event)s sampai %(until)s dan sudah kedaluwarsa. "
             "Minta panitia memasang perangkat untuk acara yang sedang berjalan.") % {
        "event": device.event.name,
        "until": formats.date_format(timezone.localtime(device.expires_at, device.event.tz), "j F Y H:i"),
    }


def _load_device(token_hash: str) -> ScannerDevice | None:
    device = ScannerDevice.objects.select_related("event").filter(token_hash=token_hash).first()
    if device is not None and device.is_active:
        now = timezone.now()
        if device.last_seen_at is None or (now - device.last_seen_at).total_seconds() > 60:
            ScannerDevice.objects.filter(pk=device.pk).update(last_seen_at=now)
    return device


class DeviceTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Device"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace") != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Token perangkat tidak valid."))
        token_hash = ScannerDevice.hash_token(header[1].decode(errors="replace"))
        device = _devices.get_or_load(token_hash, lambda: _load_device(token_hash),
                                      keep=lambda d: d is not None and d.is_active)
        if device is None or not device.is_active:
            raise exceptions.AuthenticationFailed(_("Token perangkat tidak dikenal atau sudah dicabut."))
        if device.is_expired():
            # A device belongs to its event and ends with it (ScannerDevice.expires_at). The check-in
            # endpoints still take its scans, to decide and record them refused (device_expired) before
            # answering 401; every other endpoint refuses it here, before it reads anything.
            view = (request.parser_context or {}).get("view")
            if not getattr(view, "records_expired_devices", False):
                raise exceptions.AuthenticationFailed(
                    {"detail": device_expired_message(device), "result": "device_expired"}, code="device_expired")
        return DeviceUser(device), device

    def authenticate_header(self, request):
        return self.keyword
