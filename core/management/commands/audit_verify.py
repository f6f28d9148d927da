"""`manage.py audit_verify`: walk the audit chain; exit non-zero at the first broken link."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.audit import audit_count, audit_verify


class Command(BaseCommand):
    help = "Verify the hash-chained audit log; name the first tampered entry, if any."

    def handle(self, *args: Any, **options: Any) -> None:
        broken = audit_verify()
        if broken is not None:
            raise CommandError(
                f"audit log tampered: event {broken.pk} at {broken.created_at.isoformat()} "
                f"({broken.action}) does not match its hash or its predecessor"
            )
        self.stdout.write(f"audit log intact ({audit_count()} events)")
