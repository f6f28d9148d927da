"""`manage.py demo_offer`: what `make run` asks on an empty install.

With no memorial yet: asks whether to make the fictional demo when stdin is a terminal (y/N),
or says how to make it otherwise. LEGACY_DEMO=yes makes it without asking, LEGACY_DEMO=no
says nothing. The prompt and progress go to stderr; the sign-in lines to stdout, so `make
run` can repeat them once it is serving."""

from __future__ import annotations

import os
import sys

from django.core.management.base import BaseCommand

from demo.management.commands.demo_create import demo_summary
from demo.selectors import install_is_empty
from demo.services import demo_create

OFFER = (
    "\n  There are no memorials here yet. Legacy can make a demo memorial of a fictional\n"
    "  person (Greta Halloway: letters, emails, chats and a journal it writes for her),\n"
    "  with her twin built, to look around. It is marked fictional and removable in one click."
)
HOW = "  To make it: .venv/bin/python manage.py demo_create   (or LEGACY_DEMO=yes make run)\n"


class Command(BaseCommand):
    help = "On an empty install, offer to make the fictional demo memorial (make run)."

    def handle(self, *args: object, **options: object) -> None:
        choice = os.environ.get("LEGACY_DEMO", "ask").strip().lower()
        if choice in {"no", "0", "off"} or not install_is_empty():
            return
        if choice not in {"yes", "1", "on"}:
            self.stderr.write(OFFER)
            if not sys.stdin.isatty():
                self.stderr.write(HOW)
                return
            self.stderr.write("  Make the demo now? [y/N] ", ending="")
            self.stderr.flush()
            answer = sys.stdin.readline()
            if answer.strip().lower() not in {"y", "yes"}:
                self.stderr.write(HOW)
                return
        self.stderr.write("  Making the demo (about a minute at most)…")
        created = demo_create(say=lambda line: self.stderr.write(f"  {line}"))
        self.stdout.write(demo_summary(created))
