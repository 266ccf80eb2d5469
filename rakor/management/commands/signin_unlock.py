"""``python manage.py signin_unlock NAME_OR_ADDRESS [--reason TEXT]``: lift a sign-in lock from the server.

For when no organiser can sign in to lift it at /akun/kunci/ (e.g. someone locked every
organiser's name). Audited like the page, with no actor; without an argument, lists the locks.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from rakor.models import SignInThrottle
from rakor.signin import signin_locks_active, signin_unlock


class Command(BaseCommand):
    help = "Lift the sign-in lock of a user name or a network address (lists the locks without an argument)."

    def add_arguments(self, parser):
        parser.add_argument("key", nargs="?", help="user name or address, as /akun/kunci/ shows it")
        parser.add_argument("--reason", default="", help="why (kept in the audit trail)")

    def handle(self, *args, key=None, reason="", **options):
        if key is None:
            for lock in signin_locks_active():
                until = timezone.localtime(lock.locked_until)
                self.stdout.write(f"{lock.kind}\t{lock.key}\t{until:%Y-%m-%d %H:%M %Z}")
            return
        locks = [row for row in SignInThrottle.objects.filter(key=key) if row.is_locked]
        if not locks:
            raise CommandError(f"{key!r} is not locked.")
        for row in locks:
            signin_unlock(throttle=row, by=None, reason=reason or "manage.py signin_unlock")
            self.stdout.write(f"unlocked {row.kind} {row.key}")
