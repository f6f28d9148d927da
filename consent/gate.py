"""The one consent check. Every service that touches a subject's data calls
`consent_require` for the scope it needs, before it reads, writes or derives anything;
background work holds it per step through the kernel's task base (`core.tasks`), which
reaches it through `core.consent.consent_gate()` (installed in ConsentConfig.ready)."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.db.transaction import TransactionManagementError

from consent.models import ConsentRecord
from core.consent import ConsentRequired
from core.crypto import memorial_keys_destroyed
from core.queries import compiled_row, compiled_sql

__all__ = [
    "ConsentRequired",
    "consent_check",
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


def _live_ids(memorial_id: uuid.UUID, scope: str) -> QuerySet[Any]:
    return _live(memorial_id=memorial_id, scope=scope).values("pk")


def _destroyed_key(memorial_id: uuid.UUID) -> QuerySet[Any]:
    return memorial_keys_destroyed(memorial_id=memorial_id).values("pk")


def _live_first_id(memorial_id: uuid.UUID, scope: str) -> QuerySet[Any]:
    return _live(memorial_id=memorial_id, scope=scope).order_by("pk").values("pk")[:1]


def _live_id(*, memorial_id: uuid.UUID | str, scope: str, lock: str = "") -> uuid.UUID | None:
    # compiled once (`core.queries`): every step of background work asks
    row = compiled_row(
        _live_first_id, (uuid.UUID(int=0), "probe"), [uuid.UUID(str(memorial_id)), scope],
        lock=lock,
    )  # fmt: skip
    return None if row is None else row[0]


def consent_require(*, memorial_id: uuid.UUID | str, scope: str) -> ConsentRecord:
    """The live consent record for `scope`, or ConsentRequired."""
    record = _live(memorial_id=memorial_id, scope=scope).first()
    if record is None:
        raise ConsentRequired(scope)
    return record


def consent_check(*, memorial_id: uuid.UUID | str, scope: str) -> uuid.UUID:
    """As `consent_require`, for work that needs only the answer (the record's id): one
    light query, for the checks made on every reply and step."""
    if (record := _live_id(memorial_id=memorial_id, scope=scope)) is None:
        raise ConsentRequired(scope)
    return record


def consent_is_granted(*, memorial_id: uuid.UUID | str, scope: str) -> bool:
    """For pages that say whether a consent is live; work calls `consent_require` (or
    `consent_check`, `consent_hold`)."""
    return _live_id(memorial_id=memorial_id, scope=scope) is not None


def consent_hold(
    *, memorial_id: uuid.UUID | str, scope: str, record_id: uuid.UUID | str | None = None
) -> uuid.UUID:
    """The gate for one step of background work, called inside the step's transaction.

    It share-locks the live record until the step commits, and `consent_revoke` locks that
    row to withdraw it: once held, a withdrawal waits for the step's commit; a withdrawal
    that committed first makes this raise ConsentRequired, and the step writes nothing.
    `record_id` pins the record the work started under (a re-signed consent is new work).
    Returns the record's id."""
    if not connection.in_atomic_block:
        raise TransactionManagementError("consent_hold must be called inside a transaction.")
    record = _live_id(memorial_id=memorial_id, scope=scope, lock="FOR SHARE")
    if record is None or (record_id is not None and str(record) != str(record_id)):
        raise ConsentRequired(scope)
    return record


def consent_start(*, memorial_id: uuid.UUID | str, scope: str) -> bool:
    """For background work as it starts, both of its checks in one round trip: True when
    the memorial was erased (its key destroyed: the work has nothing to do); else
    ConsentRequired when `scope` has no live record (as `consent_require`), or False."""
    memorial = uuid.UUID(str(memorial_id))
    # compiled once (`core.queries`): every task asks as it starts
    erased_sql = compiled_sql(_destroyed_key, (uuid.UUID(int=0),))
    live_sql = compiled_sql(_live_ids, (uuid.UUID(int=0), "probe"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS ({erased_sql}), EXISTS ({live_sql})", [memorial, memorial, scope]
        )
        erased, granted = cursor.fetchone()
    if erased:
        return True
    if not granted:
        raise ConsentRequired(scope)
    return False


class ConsentRecordGate:
    """The gate as the kernel sees it (`core.consent.ConsentGate`)."""

    def require(self, *, memorial_id: uuid.UUID | str, scope: str) -> uuid.UUID:
        return consent_check(memorial_id=memorial_id, scope=scope)

    def hold(self, *, memorial_id: uuid.UUID | str, scope: str) -> uuid.UUID:
        return consent_hold(memorial_id=memorial_id, scope=scope)

    def start(self, *, memorial_id: uuid.UUID | str, scope: str) -> bool:
        return consent_start(memorial_id=memorial_id, scope=scope)
