"""`manage.py staff_hint`: while nobody is Legacy staff, say how to make the first one.

`make run` prints it in its start banner. Staff review the activation of a memorial that has
a single steward (nobody else can be the second person), from "Activations to review" in
their navigation.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from memorials.notices import staff_emails

STAFF_HINT = (
    "  Nobody is Legacy staff yet. Staff review the activation of a memorial with a single\n"
    "  steward (under “Activations to review” once signed in). Create the first staff account:\n"
    "    .venv/bin/python manage.py createsuperuser\n"
)


class Command(BaseCommand):
    help = "Say how to create the first staff account, while there is none."

    def handle(self, *args: Any, **options: Any) -> None:
        if not staff_emails():
            self.stdout.write(STAFF_HINT, ending="")
