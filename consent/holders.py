"""What the consent app keeps of a memorial: the signed consent records. Registered with
the kill switch and the export from ConsentConfig.ready()."""

from __future__ import annotations

import uuid

from consent.models import ConsentRecord
from core.holders import DataHolder, ExportWriter, holder_register


def _consent_records_export(memorial_id: uuid.UUID, writer: ExportWriter) -> None:
    records = ConsentRecord.objects.filter(memorial_id=memorial_id).select_related("document")
    writer.write_json(
        "consent/records.json",
        [
            {
                "scope": record.scope,
                "document": {
                    "title": record.document.title,
                    "version": record.document.version,
                    "sha256": record.document_sha256,
                    "text": record.document.body,
                },
                "typed_name": record.typed_name,
                "method": record.method,
                "ip_address": record.ip_address,
                "user_agent": record.user_agent,
                "signed_at": record.signed_at,
                "revoked_at": record.revoked_at,
            }
            for record in records.order_by("signed_at")
        ],
    )


def _consent_records_count(memorial_id: uuid.UUID) -> int:
    return ConsentRecord.objects.filter(memorial_id=memorial_id).count()


def _consent_records_erase(memorial_id: uuid.UUID) -> int:
    deleted, _ = ConsentRecord.objects.filter(memorial_id=memorial_id).delete()
    return deleted


def consent_holders_register() -> None:
    holder_register(
        DataHolder(
            name="consent.records",
            label="signed consents",
            count=_consent_records_count,
            erase=_consent_records_erase,
            export=_consent_records_export,
            order=800,
        )
    )
