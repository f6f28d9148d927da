"""Deleting passages and documents so that it can be undone for a while.

A deletion moves the rows out of `Document` and `Passage` into `Deletion`/`DeletedPassage`
(each row whole, as Postgres's `to_jsonb` gives it: its columns still encrypted, its vector
still rotated, its search tokens still keyed), in the same transaction. From its commit,
retrieval, the twin, the pages and every count see nothing of them, with no extra filter on
any reader (the hot retrieval query is unchanged: `bench/retrieval_latency.py`). Undo puts
the same rows back, with the same ids, through the same triggers that keep the search
statistics. `deletions_purge` (on beat) deletes them for good after
`CORPUS_DELETE_UNDO_HOURS`; the kill switch erases them at once (`corpus.holders`).

Deleting needs no consent: taking one's words back must work after a withdrawal too.
Putting them back is writing again, and needs the corpus consent.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from consent.gate import consent_require
from core.audit import audit_record
from core.consent import ConsentScope
from corpus.models import DeletedPassage, Deletion, DeletionKind, Document, Passage
from corpus.partitions import passage_partition_ensure
from corpus.signals import corpus_changed_send


class RestoreRefused(Exception):
    """What was deleted cannot be put back as it is; the message says why, for people."""


def undo_window() -> dt.timedelta:
    return dt.timedelta(hours=settings.CORPUS_DELETE_UNDO_HOURS)


def _passages_move_out(*, deletion: Deletion, passage_id: int | None = None) -> int:
    """Move the deletion's document's passages (or the one passage) into the deletion."""
    only_one = "AND id = %s" if passage_id is not None else ""
    params: list[Any] = [deletion.memorial_id, deletion.document_id]
    if passage_id is not None:
        params.append(passage_id)
    with connection.cursor() as cursor:
        # memorial_id first: it picks the memorial's partition.
        cursor.execute(
            f"WITH gone AS (DELETE FROM {Passage._meta.db_table} "
            f"WHERE memorial_id = %s AND document_id = %s {only_one} RETURNING *) "
            f"INSERT INTO {DeletedPassage._meta.db_table} (deletion_id, row) "
            "SELECT %s, to_jsonb(gone) FROM gone",
            [*params, deletion.id],
        )
        return cursor.rowcount


def _document_passages_recount(*, memorial_id: Any, document_id: Any) -> None:
    Document.objects.filter(memorial_id=memorial_id, id=document_id).update(
        passages_count=Passage.objects.filter(
            memorial_id=memorial_id, document_id=document_id
        ).count()
    )


def passage_delete(*, passage: Passage, actor: Any) -> Deletion:
    """Set one passage aside (undoable until the window passes)."""
    with transaction.atomic():
        document = Document.objects.only("id", "upload_id", "title_encrypted").get(
            memorial_id=passage.memorial_id, id=passage.document_id
        )
        deletion = Deletion.objects.create(
            memorial_id=passage.memorial_id,
            upload_id=document.upload_id,
            kind=DeletionKind.PASSAGE,
            document_id=document.id,
            label_encrypted=document.title_encrypted,
        )
        deletion.passages = _passages_move_out(deletion=deletion, passage_id=passage.id)
        deletion.save(update_fields=["passages"])
        _document_passages_recount(memorial_id=passage.memorial_id, document_id=document.id)
        audit_record(
            action="corpus.passage_delete",
            memorial_id=passage.memorial_id,
            actor=actor,
            data={"document": str(document.id), "position": passage.position},
        )
        corpus_changed_send(memorial_id=passage.memorial_id, reason="you removed some writing")
    return deletion


def document_delete(*, document: Document, actor: Any) -> Deletion:
    """Set a document and its passages aside (undoable until the window passes)."""
    with transaction.atomic():
        deletion = Deletion.objects.create(
            memorial_id=document.memorial_id,
            upload_id=document.upload_id,
            kind=DeletionKind.DOCUMENT,
            document_id=document.id,
            label_encrypted=document.title_encrypted,
        )
        deletion.passages = _passages_move_out(deletion=deletion)
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH gone AS (DELETE FROM {Document._meta.db_table} WHERE id = %s "
                "RETURNING *) SELECT to_jsonb(gone) FROM gone",
                [document.id],
            )
            (row,) = cursor.fetchone() or (None,)
        deletion.document_row = json.loads(row) if isinstance(row, str) else row
        deletion.save(update_fields=["passages", "document_row"])
        audit_record(
            action="corpus.document_delete",
            memorial_id=document.memorial_id,
            actor=actor,
            data={"document": str(document.id), "kind": document.kind,
                  "passages": deletion.passages},
        )  # fmt: skip
        corpus_changed_send(memorial_id=document.memorial_id, reason="you removed some writing")
    return deletion


def deletion_restore(*, deletion: Deletion, actor: Any) -> int:
    """Put a deletion's rows back as they were, with their ids. Returns passages restored.
    RestoreRefused when it cannot be: its document is gone (a passage) or was added again
    since (a document)."""
    consent_require(memorial_id=deletion.memorial_id, scope=ConsentScope.CORPUS)
    passage_partition_ensure(memorial_id=deletion.memorial_id)
    try:
        with transaction.atomic():
            deletion = Deletion.objects.select_for_update().get(pk=deletion.pk)
            if deletion.document_row is not None:
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"INSERT INTO {Document._meta.db_table} SELECT (jsonb_populate_record("
                        f"NULL::{Document._meta.db_table}, %s::jsonb)).*",
                        [json.dumps(deletion.document_row)],
                    )
            elif not Document.objects.filter(
                memorial_id=deletion.memorial_id, id=deletion.document_id
            ).exists():
                raise RestoreRefused("Its document was deleted since: put the document back first.")
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {Passage._meta.db_table} SELECT (jsonb_populate_record("
                    f"NULL::{Passage._meta.db_table}, row)).* "
                    f"FROM {DeletedPassage._meta.db_table} WHERE deletion_id = %s",
                    [deletion.id],
                )
                restored = cursor.rowcount
            _document_passages_recount(
                memorial_id=deletion.memorial_id, document_id=deletion.document_id
            )
            deletion.delete()
            audit_record(
                action="corpus.deletion_undo",
                memorial_id=deletion.memorial_id,
                actor=actor,
                data={"document": str(deletion.document_id), "kind": deletion.kind,
                      "passages": restored},
            )  # fmt: skip
            corpus_changed_send(
                memorial_id=deletion.memorial_id, reason="you put back some writing"
            )
    except IntegrityError as error:
        raise RestoreRefused(
            "The same writing was added again since: it is already there."
        ) from error
    return restored


def deletions_purge(*, now: dt.datetime | None = None) -> int:
    """Delete for good what was set aside longer ago than the undo window. How many."""
    cutoff = (now or timezone.now()) - undo_window()
    count, _ = Deletion.objects.filter(created_at__lt=cutoff).delete()
    return count
