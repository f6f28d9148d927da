"""The one consent check. Every service that touches a subject's data calls
`consent_require` for the scope it needs, before it reads, writes or derives anything;
background work holds it per step through the kernel's task base (`core.tasks`), which
reaches it through `core.consent.consent_gate()` (installed in ConsentConfig.ready)."""

from __future__ import annotations

import uuid

from django.db import connection
from django.db.models import QuerySet
from django.db.transaction import TransactionManagementError

from consent.models import ConsentRecord
from core.consent import ConsentRequired
from core.crypto import memorial_keys_destroyed

__all__ = [
    "ConsentRequired",
    "consent_hold",
    "consent_is_granted",
    "consent_require",
    "consent_start",
]


def _live(*, memorial_id: uuid.UUID | str, scope: str) -> QuerySet[ConsentRecord]:
    """What "a live consent" means, for every check below: a record of the memorial for
    `scope` that was not revoked."""
    return ConsentRecord.objects.filter(
        memorial_id=memorial_id, scope=scope, revoked_at__isnull=True
    )


def consent_require(*, memorial_id: uuid.UUID | str, scope: str) -> ConsentRecord:
    """The live consent record for `scope`, or ConsentRequired."""
    record = _live(memorial_id=memorial_id, scope=scope).first()
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
    """The gate for one step of background work, called inside the step's transaction.

    It share-locks the live record until the step commits, and `consent_revoke` locks that
    row to withdraw it: once held, a withdrawal waits for the step's commit; a withdrawal
    that committed first makes this raise ConsentRequired, and the step writes nothing.
    `record_id` pins the record the work started under (a re-signed consent is new work).
    """
    if not connection.in_atomic_block:
        raise TransactionManagementError("consent_hold must be called inside a transaction.")
    sql, params = _live(memorial_id=memorial_id, scope=scope).query.sql_with_params()
    records = list(ConsentRecord.objects.raw(f"{sql} FOR SHARE", params))  # Django has no FOR SHARE
    record = records[0] if records else None
    if record is None or (record_id is not None and str(record.pk) != str(record_id)):
        raise ConsentRequired(scope)
    return record


def consent_start(*, memorial_id: uuid.UUID | str, scope: str) -> bool:
    """For background work as it starts, both of its checks in one round trip: True when
    the memorial was erased (its key destroyed: the work has nothing to do); else
    ConsentRequired when `scope` has no live record (as `consent_require`), or False."""
    erased_sql, erased_params = (
        memorial_keys_destroyed(memorial_id=memorial_id).values("pk").query.sql_with_params()
    )
    live_sql, live_params = (
        _live(memorial_id=memorial_id, scope=scope).values("pk").query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS ({erased_sql}), EXISTS ({live_sql})", [*erased_params, *live_params]
        )
        erased, granted = cursor.fetchone()
    if erased:
        return True
    if not granted:
        raise ConsentRequired(scope)
    return False


class ConsentRecordGate:
    """The gate as the kernel sees it (`core.consent.ConsentGate`)."""

    def require(self, *, memorial_id: uuid.UUID | str, scope: str) -> ConsentRecord:
        return consent_require(memorial_id=memorial_id, scope=scope)

    def hold(self, *, memorial_id: uuid.UUID | str, scope: str) -> ConsentRecord:
        return consent_hold(memorial_id=memorial_id, scope=scope)

    def start(self, *, memorial_id: uuid.UUID | str, scope: str) -> bool:
        return consent_start(memorial_id=memorial_id, scope=scope)
