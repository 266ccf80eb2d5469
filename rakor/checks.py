"""Refuse to start half-configured (issue 14, item 3; issue 13, item 9).

``manage.py check --deploy`` (run by the systemd unit and the container before the web server starts)
fails with one line per missing or unsafe setting while ``DEBUG`` is off. Each line names the variable
and what to put there (deploy/env.example). With ``DEBUG`` on (development) nothing here runs.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

MIN_SECRET_LENGTH = 50
MIN_CHAIN_KEY_LENGTH = 32


def _loopback(host: str) -> bool:
    if host in ("localhost", "") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def production_problems() -> list[Error | Warning]:
    """Every finding for the current settings, DEBUG or not (the deploy check calls it with DEBUG off)."""
    found: list[Error | Warning] = []
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        found.append(Error(f"DATABASE_URL: the database is {engine.rsplit('.', 1)[-1]}; production needs "
                           "PostgreSQL (DATABASE_URL=postgres://user:password@host:5432/rakor).", id="rakor.E001"))
    if not settings.REDIS_URL:
        found.append(Error("REDIS_URL is not set: WebSockets, the shared cache and Celery need Redis "
                           "(REDIS_URL=redis://host:6379/0).", id="rakor.E002"))
    if not settings.SECRET_KEY_FROM_ENVIRONMENT:
        found.append(Error("SECRET_KEY is not set: each node would make its own (sessions, CSRF and signed links "
                           f"would differ per node); set {MIN_SECRET_LENGTH}+ random characters, the same on every "
                           "node.", id="rakor.E003"))
    elif len(settings.SECRET_KEY) < MIN_SECRET_LENGTH or len(set(settings.SECRET_KEY)) < 5:
        found.append(Error(f"SECRET_KEY is too short or too simple: use {MIN_SECRET_LENGTH}+ random characters.",
                           id="rakor.E003"))
    chain_key = settings.ATTENDANCE_CHAIN_KEY
    if not chain_key:
        found.append(Error("ATTENDANCE_CHAIN_KEY is not set: the attendance chain would be keyed with SECRET_KEY "
                           "and break when it is rotated; set one and keep it for ever.", id="rakor.E004"))
    elif len(chain_key) < MIN_CHAIN_KEY_LENGTH or len(set(chain_key)) < 5:
        found.append(Error(f"ATTENDANCE_CHAIN_KEY is too short or too simple: use {MIN_CHAIN_KEY_LENGTH}+ random "
                           "characters.", id="rakor.E004"))
    if settings.CERTIFICATE_PKCS12_PATH:
        if not Path(settings.CERTIFICATE_PKCS12_PATH).is_file():
            found.append(Error(f"CERTIFICATE_PKCS12_PATH: no file at {settings.CERTIFICATE_PKCS12_PATH}.",
                               id="rakor.E005"))
    elif not (settings.CERTIFICATE_DEMO_SIGNER and settings.CERTIFICATE_DEMO_SIGNER_CHOSEN):
        found.append(Error("CERTIFICATE_PKCS12_PATH is not set: certificates need the organiser's signing "
                           "certificate (PKCS#12), or CERTIFICATE_DEMO_SIGNER=1 to sign with a self-signed demo "
                           "certificate for a trial.", id="rakor.E005"))
    site = urlsplit(settings.SITE_URL)
    if not site.scheme or not site.hostname or _loopback(site.hostname):
        found.append(Error(f"SITE_URL is unset or a loopback address ({settings.SITE_URL}): links in e-mails, "
                           "tickets, iCal feeds and certificate QR codes would point nowhere; set the public "
                           "address (SITE_URL=https://rakor.example.go.id).", id="rakor.E006"))
    elif site.scheme != "https":
        found.append(Warning(f"SITE_URL is not https ({settings.SITE_URL}): the scanner's camera and secure "
                             "cookies need HTTPS.", id="rakor.W006"))
    storage = settings.STORAGES.get("default", {}).get("BACKEND", "")
    if settings.APP_NODES > 1 and storage.endswith("FileSystemStorage"):
        found.append(Error(f"APP_NODES={settings.APP_NODES} but media are on this node's disk ({storage}): a file "
                           "written on one node is missing on the others; set AWS_STORAGE_BUCKET_NAME (object "
                           "storage).", id="rakor.E007"))
    return found


@register(Tags.security, deploy=True)
def production_settings(app_configs=None, **kwargs):
    if settings.DEBUG:
        return []
    return production_problems()
