"""What this app keeps of a memorial beyond its people: the subject's wishes, activation keys
and requests with their (encrypted) death certificates, and the inactivity and sunset
records. Registered with the kill switch and the export from MemorialsConfig.ready()."""

from __future__ import annotations

import shutil
import uuid

from consent.holders import DataHolder, ExportWriter, holder_register
from memorials.activation import activation_certificate_chunks, certificate_dir
from memorials.models import (
    ActivationKey,
    ActivationRequest,
    InactivityWatch,
    MemorialSunset,
    MemorialWishes,
)


def _wishes_count(memorial_id: uuid.UUID) -> int:
    return MemorialWishes.objects.filter(memorial_id=memorial_id).count()


def _wishes_erase(memorial_id: uuid.UUID) -> int:
    deleted, _ = MemorialWishes.objects.filter(memorial_id=memorial_id).delete()
    return deleted


def _wishes_export(memorial_id: uuid.UUID, writer: ExportWriter) -> None:
    wishes = MemorialWishes.objects.filter(memorial_id=memorial_id).first()
    if wishes is None:
        return
    writer.write_json(
        "memorial/wishes.json",
        {
            "who_may_talk": wishes.visitors,
            "named_people": wishes.named_visitors,
            "topics_not_to_discuss": wishes.forbidden_topics,
            "may_talk_while_i_live": wishes.talk_while_living,
            "sunset": wishes.sunset,
            "sunset_years": wishes.sunset_years,
            "sunset_on": wishes.sunset_on,
            "at_the_end": wishes.ending,
            "updated_at": wishes.updated_at,
        },
    )


def _activation_count(memorial_id: uuid.UUID) -> int:
    return sum(
        model.objects.filter(memorial_id=memorial_id).count()
        for model in (ActivationRequest, ActivationKey, InactivityWatch, MemorialSunset)
    )


def _activation_erase(memorial_id: uuid.UUID) -> int:
    """Files first (the certificates), then the rows."""
    shutil.rmtree(certificate_dir(memorial_id=memorial_id), ignore_errors=True)
    total = 0
    for model in (ActivationRequest, ActivationKey, InactivityWatch, MemorialSunset):
        deleted, _ = model.objects.filter(memorial_id=memorial_id).delete()
        total += deleted
    return total


def _activation_export(memorial_id: uuid.UUID, writer: ExportWriter) -> None:
    activations = ActivationRequest.objects.filter(memorial_id=memorial_id).select_related(
        "started_by", "decided_by"
    )
    rows = []
    for activation in activations.order_by("created_at"):
        rows.append(
            {
                "id": activation.id,
                "started_by": activation.started_by.email,
                "started_at": activation.created_at,
                "status": activation.status,
                "decided_by": activation.decided_by.email if activation.decided_by else None,
                "decided_as_staff": activation.decided_as_staff,
                "decided_at": activation.decided_at,
                "certificate_type": activation.certificate_type,
            }
        )
        if (certificate_dir(memorial_id=memorial_id) / f"{activation.id}.bin").exists():
            extension = activation.certificate_type.rsplit("/", 1)[-1]
            writer.write_bytes(
                f"memorial/activation/{activation.id}.{extension}",
                activation_certificate_chunks(activation=activation),
            )
    keys = ActivationKey.objects.filter(memorial_id=memorial_id).select_related("steward")
    writer.write_json(
        "memorial/activation.json",
        {
            "requests": rows,
            "keys_issued": [
                {
                    "steward": key.steward.email,
                    "issued_at": key.created_at,
                    "revoked_at": key.revoked_at,
                }
                for key in keys.order_by("created_at")
            ],
        },
    )


def memorial_holders_register() -> None:
    holder_register(
        DataHolder(
            name="memorials.wishes",
            label="your wishes for your memorial",
            count=_wishes_count,
            erase=_wishes_erase,
            export=_wishes_export,
        )
    )
    holder_register(
        DataHolder(
            name="memorials.activation",
            label="activation keys, activation requests and death certificates",
            count=_activation_count,
            erase=_activation_erase,
            export=_activation_export,
        )
    )
