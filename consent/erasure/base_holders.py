"""The holders of a memorial's base data: consent records, the data key, memberships and
invitations. Registered from ConsentConfig.ready(); the Memorial row itself is not a holder,
it stays as the content-free tombstone."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import models

from consent.holders import DataHolder, ExportWriter, holder_register
from consent.models import ConsentRecord, MemorialKey
from memorials.models import Invitation, Membership


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


def _memorial_key_erase(memorial_id: uuid.UUID) -> int:
    # The key itself was destroyed first (crypto-shredding); this drops the empty row.
    deleted, _ = MemorialKey.objects.filter(memorial_id=memorial_id).delete()
    return deleted


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


def memorial_media_dir(memorial_id: uuid.UUID) -> Path:
    """The memorial's own folder under MEDIA_ROOT, where apps keep its files
    (`memorials/<id>/uploads/`, `memorials/<id>/activation/`, ...)."""
    return Path(settings.MEDIA_ROOT) / "memorials" / str(memorial_id)


def _media_count(memorial_id: uuid.UUID) -> int:
    folder = memorial_media_dir(memorial_id)
    return sum(1 for path in folder.rglob("*") if path.is_file()) if folder.exists() else 0


def _media_erase(memorial_id: uuid.UUID) -> int:
    """Whatever the apps' own holders left in the memorial's folder (a partial file, an
    empty folder whose name is the memorial's id) goes with the folder."""
    count = _media_count(memorial_id)
    shutil.rmtree(memorial_media_dir(memorial_id), ignore_errors=True)
    if memorial_media_dir(memorial_id).exists():
        raise OSError("the memorial's media folder could not be removed")
    return count


def _counter(model: type[models.Model]) -> Callable[[uuid.UUID], int]:
    return lambda memorial_id: model._default_manager.filter(memorial_id=memorial_id).count()


def _eraser(model: type[models.Model]) -> Callable[[uuid.UUID], int]:
    return lambda memorial_id: model._default_manager.filter(memorial_id=memorial_id).delete()[0]


def base_holders_register() -> None:
    holder_register(
        DataHolder(
            name="consent.records",
            label="signed consents",
            count=_counter(ConsentRecord),
            erase=_eraser(ConsentRecord),
            export=_consent_records_export,
            order=800,
        )
    )
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
            name="consent.memorial_key",
            label="the encryption key of your memorial",
            count=_counter(MemorialKey),
            erase=_memorial_key_erase,
            order=1000,  # last: everything encrypted under it is already gone
        )
    )
    holder_register(
        DataHolder(
            name="memorials.media",
            label="other files of your memorial",
            count=_media_count,
            erase=_media_erase,
            order=950,  # after the apps' holders, which delete the files they know
        )
    )
