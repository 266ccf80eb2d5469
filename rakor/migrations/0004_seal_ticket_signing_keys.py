"""Each event's ticket signing key sealed at rest (issue 19): a Fernet token under TICKET_KEY_ENCRYPTION_KEYS.

Before, ``Event.signing_key`` held the raw Ed25519 private key in base64url: a database dump was enough
to forge every ticket. Reversible (unseals back to base64url), for a rollback.
"""

import base64

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.db import migrations, models


def _sealer():
    return MultiFernet([Fernet(key) for key in settings.TICKET_KEY_ENCRYPTION_KEYS])


def _is_raw(value: str) -> bool:
    return len(value) == 43  # 32 bytes in unpadded base64url; a Fernet token is far longer


def seal(apps, schema_editor):
    Event = apps.get_model("rakor", "Event")
    sealer = _sealer()
    for event in Event.objects.only("pk", "signing_key").iterator():
        if _is_raw(event.signing_key):
            raw = base64.urlsafe_b64decode(event.signing_key + "=")
            Event.objects.filter(pk=event.pk).update(signing_key=sealer.encrypt(raw).decode())


def unseal(apps, schema_editor):
    Event = apps.get_model("rakor", "Event")
    sealer = _sealer()
    for event in Event.objects.only("pk", "signing_key").iterator():
        if not _is_raw(event.signing_key):
            raw = sealer.decrypt(event.signing_key.encode())
            Event.objects.filter(pk=event.pk).update(
                signing_key=base64.urlsafe_b64encode(raw).rstrip(b"=").decode())


class Migration(migrations.Migration):

    dependencies = [
        ("rakor", "0003_sign_in_throttle"),
    ]

    operations = [
        migrations.AlterField(model_name="event", name="signing_key", field=models.TextField(editable=False)),
        migrations.RunPython(seal, unseal),
    ]
