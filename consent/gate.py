"""The one consent check. Every service that touches a subject's data calls
`consent_require` for the scope it needs, before it reads, writes or derives anything."""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied

from consent.models import ConsentRecord, ConsentScope


class ConsentRequired(PermissionDenied):
    """The memorial holds no live consent for this scope (never given, or revoked)."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__(
            f"This needs the subject's consent for “{ConsentScope(scope).label.lower()}”, "
            "which has not been given or has been withdrawn."
        )


def consent_require(*, memorial_id: uuid.UUID | str, scope: str) -> ConsentRecord:
    """The live consent record for `scope`, or ConsentRequired."""
    record = ConsentRecord.objects.filter(
        memorial_id=memorial_id, scope=scope, revoked_at__isnull=True
    ).first()
    if record is None:
        raise ConsentRequired(scope)
    return record


def consent_is_granted(*, memorial_id: uuid.UUID | str, scope: str) -> bool:
    return ConsentRecord.objects.filter(
        memorial_id=memorial_id, scope=scope, revoked_at__isnull=True
    ).exists()
