"""`manage.py demo_create`: the fictional demo memorial, ready to sign in to."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand
from django.urls import reverse

from demo.services import demo_create


class Command(BaseCommand):
    help = (
        "Make a demo memorial of a fictional person (Greta Halloway): an account, her writing "
        "uploaded and ingested, her twin built. Prints the account's email and password."
    )

    def handle(self, *args: object, **options: object) -> None:
        created = demo_create(say=lambda line: self.stderr.write(f"  {line}"))
        self.stdout.write(demo_summary(created))


def demo_summary(created) -> str:  # type: ignore[no-untyped-def]
    """What the newcomer needs: where to sign in, as whom, and how it went."""
    lines = [
        "",
        f"  Demo memorial “{created.memorial.name}” is ready.",
        f"  Sign in as {created.email} with the password {created.password}",
        f"  at {settings.SITE_URL}/accounts/login/, then ask her twin something at",
        f"  {settings.SITE_URL}{reverse('twins:preview', args=[created.memorial.id])}",
    ]
    if created.uploads_failed:
        lines.append(f"  ({len(created.uploads_failed)} of its files could not be read.)")
    if created.version is None or created.version.status != "ready":
        lines.append("  (Its twin is not built: open its twin page and try again.)")
    return "\n".join([*lines, ""])
