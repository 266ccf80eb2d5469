"""manage.py verify_restore — after restoring a backup: does this installation still prove what it recorded?

Read-only. One line per check, then exit 1 when any failed (README "Backup and restore"):

- the database answers and every migration is applied;
- every event's attendance chain verifies with this ATTENDANCE_CHAIN_KEY (a wrong or lost key
  breaks every chain at its first link: the most likely restore mistake, named as such);
- every event's ticket signing key opens with TICKET_KEY_ENCRYPTION_KEYS (else no ticket can be checked);
- the signing PKCS#12 loads (CERTIFICATE_PKCS12_PATH and its password);
- the newest certificate PDFs (``--sample``, default 50) are in media storage (the bucket restored too).

Lives in certificates, the app every other one is below, because it reads all of them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from attendance.chain import verify_event
from certificates.models import Certificate
from certificates.signing import signer_state
from rakor.models import Event
from rakor.signing import SigningKeyError, open_private_key


class Command(BaseCommand):
    help = ("After a restore: check the database, every event's attendance chain (ATTENDANCE_CHAIN_KEY), the ticket "
            "keys (TICKET_KEY_ENCRYPTION_KEYS), the signing certificate and the media files. Exit 1 on any failure.")

    def add_arguments(self, parser):
        parser.add_argument("--sample", type=int, default=50, help="newest certificate PDFs to look for in storage")

    def handle(self, *args, sample: int, **options):
        self.failed: list[str] = []
        self.database()
        if "database" in self.failed:
            raise CommandError("verify_restore: the database is not usable; nothing else was checked.")
        self.chains()
        self.ticket_keys()
        self.signer()
        self.media(sample)
        if self.failed:
            raise CommandError(f"verify_restore: {len(self.failed)} check(s) failed: {', '.join(self.failed)}")
        self.stdout.write(self.style.SUCCESS("verify_restore: every check passed"))

    def result(self, name: str, ok: bool, detail: str) -> None:
        line = f"{'PASS' if ok else 'FAIL'}  {name}: {detail}"
        if ok:
            self.stdout.write(line)
        else:
            self.failed.append(name)
            self.stderr.write(self.style.ERROR(line))

    def database(self) -> None:
        try:
            connection = connections[DEFAULT_DB_ALIAS]
            executor = MigrationExecutor(connection)
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except Exception as error:  # noqa: BLE001
            self.result("database", False, f"{type(error).__name__}: {error}")
            return
        self.result("database", not pending, f"{connection.vendor}, " + (
            "every migration applied" if not pending else
            f"{len(pending)} migration(s) not applied (run migrate; the backup is older than this code)"))

    def chains(self) -> None:
        events = list(Event.objects.order_by("pk").only("pk", "slug"))
        broken, links, unsealed = [], 0, 0
        first_link_broken = 0
        for event in events:
            report = verify_event(event)
            links += report.sealed_ok
            unsealed += report.unsealed
            if report.broken is not None:
                broken.append(f"{event.slug} at link #{report.broken.seq} ({report.broken.reason})")
                first_link_broken += report.broken.seq == 1 and report.broken.reason == "hash_mismatch"
        detail = f"{len(events)} event(s), {links} sealed check-in(s) verify, {unsealed} not sealed yet"
        if broken:
            detail = f"broken: {'; '.join(broken[:5])}"
            if first_link_broken and first_link_broken == len(broken):
                detail += (" — every broken chain fails at its first link: ATTENDANCE_CHAIN_KEY is most likely not "
                           "the key these chains were sealed with (restore it from the key backup)")
        self.result("attendance chains (ATTENDANCE_CHAIN_KEY)", not broken, detail)

    def ticket_keys(self) -> None:
        closed = []
        events = list(Event.objects.order_by("pk").only("pk", "slug", "signing_key"))
        for event in events:
            if not event.signing_key:
                continue
            try:
                open_private_key(event.signing_key)
            except (SigningKeyError, ValueError):
                closed.append(event.slug)
        self.result("ticket keys (TICKET_KEY_ENCRYPTION_KEYS)", not closed,
                    f"{len(events) - len(closed)}/{len(events)} event key(s) open" + (
                        f"; cannot open: {', '.join(closed[:5])}" if closed else ""))

    def signer(self) -> None:
        try:
            state = signer_state()
        except Exception as error:  # noqa: BLE001
            self.result("signing certificate (CERTIFICATE_PKCS12_PATH)", False, f"{type(error).__name__}: {error}")
            return
        if state is None:
            self.result("signing certificate (CERTIFICATE_PKCS12_PATH)", False,
                        "no signer configured: certificate PDFs would be unsigned")
            return
        demo = not settings.CERTIFICATE_PKCS12_PATH
        self.result("signing certificate (CERTIFICATE_PKCS12_PATH)", True,
                    f"{state['label']}" + (" (the generated demo signer)" if demo else f" from {state['path']}"))

    def media(self, sample: int) -> None:
        names = list(Certificate.objects.exclude(pdf="").order_by("-pk").values_list("pdf", flat=True)[:sample])
        try:
            missing = [name for name in names if not default_storage.exists(name)]
        except Exception as error:  # noqa: BLE001
            self.result("media storage", False, f"{type(error).__name__}: {error}")
            return
        self.result("media storage", not missing, f"{len(names) - len(missing)}/{len(names)} newest certificate "
                    f"PDF(s) found in {type(default_storage).__name__}" + (
                        f"; missing e.g. {missing[0]} (restore the media bucket)" if missing else ""))
