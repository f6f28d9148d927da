"""What this app keeps of a memorial: its people and invitations, the subject's wishes,
activation keys and requests with their (encrypted) death certificates, the inactivity and
sunset records. Registered with the kill switch and the export from MemorialsConfig.ready().
(Files no holder knows of go with core's "core.memorial_files" holder.)"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.db import models

from core.holders import DataHolder, ExportWriter, holder_register
from memorials.activation.certificates import (
    activation_certificate_chunks,
    certificate_exists,
    certificates_delete,
)
from memorials.models import (
    ActivationKey,
    ActivationRequest,
    InactivityWatch,
    Invitation,
    Membership,
    MemorialSunset,
    MemorialWishes,
)
from memorials.wishes import wishes_named_labels


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
            "named_people": wishes_named_labels(wishes=wishes),
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
    certificates_delete(memorial_id=memorial_id)
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
        if certificate_exists(activation=activation):
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


def _memberships_export(memorial_id: uuid.UUID, writer: ExportWriter) -> None:
    memberships = Membership.objects.filter(memorial_id=memorial_id).select_related("user")
    writer.write_json(
        "memorial/people.json",
        [
            {
                "email": membership.user.email,
                "name": getattr(membership.user, "full_name", ""),
                "role": membership.role,
                "since": membership.created_at,
            }
            for membership in memberships.order_by("created_at")
        ],
    )


def _invitations_export(memorial_id: uuid.UUID, writer: ExportWriter) -> None:
    invitations = Invitation.objects.filter(memorial_id=memorial_id).order_by("created_at")
    writer.write_json(
        "memorial/invitations.json",
        [
            {
                "email": invitation.email,
                "role": invitation.role,
                "sent_at": invitation.created_at,
                "expires_at": invitation.expires_at,
                "accepted_at": invitation.accepted_at,
                "revoked_at": invitation.revoked_at,
            }
            for invitation in invitations
        ],
    )


def _counter(model: type[models.Model]) -> Callable[[uuid.UUID], int]:
    return lambda memorial_id: model._default_manager.filter(memorial_id=memorial_id).count()


def _eraser(model: type[models.Model]) -> Callable[[uuid.UUID], int]:
    return lambda memorial_id: model._default_manager.filter(memorial_id=memorial_id).delete()[0]


def memorial_holders_register() -> None:
    holder_register(
        DataHolder(
            name="memorials.invitations",
            label="invitations",
            count=_counter(Invitation),
            erase=_eraser(Invitation),
            export=_invitations_export,
            order=850,
        )
    )
    holder_register(
        DataHolder(
            name="memorials.memberships",
            label="people and their roles",
            count=_counter(Membership),
            erase=_eraser(Membership),
            export=_memberships_export,
            order=900,
        )
    )
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
