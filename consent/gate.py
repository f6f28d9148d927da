"""The one consent check. Every service that touches a subject's data calls
`consent_require` for the scope it needs, before it reads, writes or derives anything."""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.transaction import TransactionManagementError

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
    """For pages that say whether a consent is live; work calls `consent_require`."""
    try:
        consent_require(memorial_id=memorial_id, scope=scope)
    except ConsentRequired:
        return False
    return True


def consent_hold(
    *, memorial_id: uuid.UUID | str, scope: str, record_id: uuid.UUID | str | None = None
) -> ConsentRecord:
    """The gate for one step of background work; call it first inside the step's
    transaction, before any write.

    It share-locks the live record until the step commits, and `consent_revoke` locks that
    row to withdraw it: a step either commits whole before the withdrawal, or sees it and
    raises ConsentRequired, writing nothing. Every later step then refuses too::

        record = consent_require(memorial_id=m, scope="corpus")  # when the task starts
        for batch in batches:
            with transaction.atomic():
                consent_hold(memorial_id=m, scope="corpus", record_id=record.pk)
                write(batch)
    """
    if not connection.in_atomic_block:
        raise TransactionManagementError("consent_hold must be called inside a transaction.")
    sql = (
        f"SELECT * FROM {ConsentRecord._meta.db_table} "
        "WHERE memorial_id = %s AND scope = %s AND revoked_at IS NULL FOR SHARE"
    )
    records = list(ConsentRecord.objects.raw(sql, [str(memorial_id), scope]))
    record = records[0] if records else None
    if record is None or (record_id is not None and str(record.pk) != str(record_id)):
        raise ConsentRequired(scope)
    return record
