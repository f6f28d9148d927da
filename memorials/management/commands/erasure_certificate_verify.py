"""Check an erasure certificate someone downloaded: `manage.py erasure_certificate_verify FILE`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.signing import certificate_verify


class Command(BaseCommand):
    help = "Verify the Ed25519 signature of an erasure certificate (a downloaded JSON file)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--public-key",
            help="the signer's public key (urlsafe base64); default: this server's own",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            document = json.loads(options["file"].read_text())
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read {options['file']}: {error}") from error
        result = certificate_verify(document=document, trusted_public_key=options["public_key"])
        if not result.valid:
            raise CommandError(f"NOT VALID: {result.reason}")
        certificate = document["certificate"]
        summary = (
            f"certificate {certificate.get('certificate_id')} for memorial "
            f"{certificate.get('memorial_id')}, completed {certificate.get('completed_at')}"
        )
        if not result.signed_by_this_server:
            raise CommandError(f"Signature valid, but {result.reason}: {summary}")
        self.stdout.write(self.style.SUCCESS(f"VALID: signed by this server. {summary}"))
