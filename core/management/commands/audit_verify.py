"""`manage.py audit_verify`: check the audit chain against its signed checkpoints; exit
non-zero naming the first problem."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.audit import audit_checkpoint_count, audit_count, audit_verify


class Command(BaseCommand):
    help = (
        "Verify the hash-chained audit log against its signed checkpoints; name the first "
        "tampered entry or checkpoint, if any."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoint",
            action="append",
            default=[],
            metavar="FILE",
            help="A checkpoint kept elsewhere, to hold the log to as well: an erasure "
            "certificate, an export's manifest.json, or a bare checkpoint document (JSON).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            carried = [json.loads(Path(name).read_text()) for name in options["checkpoint"]]
        except (OSError, ValueError) as error:
            raise CommandError(f"cannot read a checkpoint file: {error}") from error
        problem = audit_verify(carried=carried)
        if problem is not None:
            raise CommandError(f"audit log tampered: {problem.message}")
        self.stdout.write(f"audit log intact ({audit_count()} events)")
        self.stdout.write(f"{audit_checkpoint_count()} signed checkpoints hold")
