"""Scanner devices authenticate with their own token: ``Authorization: Device <token>``."""

from __future__ import annotations

import time

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .models import ScannerDevice


class DeviceUser(AnonymousUser):
    """The 'user' of a request made by a scanner device: authenticated, but nobody's account."""

    def __init__(self, device: ScannerDevice):
        super().__init__()
        self.device = device

    @property
    def is_authenticated(self):  # type: ignore[override]
        return True


# A desk scans every few seconds per device: the device (and its event) is kept in
# memory for a few seconds instead of a query per scan. Revoking clears it in the
# process that revoked; other server processes refuse the token within
# DEVICE_CACHE_SECONDS.
DEVICE_CACHE_SECONDS = 5
_devices: dict[str, tuple[float, ScannerDevice]] = {}


def forget_devices() -> None:
    _devices.clear()


class DeviceTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Device"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace") != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Token perangkat tidak valid."))
        token_hash = ScannerDevice.hash_token(header[1].decode(errors="replace"))
        cached = _devices.get(token_hash)
        if cached is not None and cached[0] > time.monotonic():
            device = cached[1]
        else:
            device = ScannerDevice.objects.select_related("event").filter(token_hash=token_hash).first()
            if device is not None and device.is_active:
                _devices[token_hash] = (time.monotonic() + DEVICE_CACHE_SECONDS, device)
                now = timezone.now()
                if device.last_seen_at is None or (now - device.last_seen_at).total_seconds() > 60:
                    ScannerDevice.objects.filter(pk=device.pk).update(last_seen_at=now)
        if device is None or not device.is_active:
            raise exceptions.AuthenticationFailed(_("Token perangkat tidak dikenal atau sudah dicabut."))
        return DeviceUser(device), device

    def authenticate_header(self, request):
        return self.keyword
