"""The corpus's data, registered with the consent app: erased by the kill switch (rows,
vectors, lexemes and the encrypted files on disk) and included in the subject's export."""

from __future__ import annotations

import json
import uuid

from core.crypto import memorial_cipher
from core.holders import DataHolder, ExportWriter, holder_register
from corpus.models import (
    CorpusStatistics,
    Correspondent,
    DeletedPassage,
    Deletion,
    Document,
    LexemeFrequency,
    Passage,
    SubjectIdentity,
    Upload,
)
from corpus.partitions import passage_partition_drop
from corpus.storage import memorial_uploads_delete, upload_file_chunks, upload_file_delete


def _passages_count(memorial_id: uuid.UUID) -> int:
    return Passage.objects.filter(memorial_id=memorial_id).count()


def _passages_erase(memorial_id: uuid.UUID) -> int:
    count, _ = Passage.objects.filter(memorial_id=memorial_id).delete()
    # The delete trigger has brought these to zero; the lexemes go explicitly all the same.
    LexemeFrequency.objects.filter(memorial_id=memorial_id).delete()
    CorpusStatistics.objects.filter(memorial_id=memorial_id).delete()
    # The memorial's empty partition and its indexes; if the lock is not had in time, the
    # daily sweep drops it (corpus.tasks.passage_partitions_sweep).
    passage_partition_drop(memorial_id=memorial_id)
    return count


def _passages_export(memorial_id: uuid.UUID, writer: ExportWriter) -> None:
    cipher = memorial_cipher(memorial_id=memorial_id)
    writer.write_json(
        "corpus/passages.json",
        [
            {
                "document": str(passage.document_id),
                "position": passage.position,
                "speaker": cipher.decrypt_text(passage.speaker_encrypted),
                "speaker_id": cipher.decrypt_text(passage.speaker_id_encrypted),
                "is_you": passage.is_subject,
                "sent_at": passage.sent_at.isoformat() if passage.sent_at else None,
                "register": passage.register,
                "text": cipher.decrypt_text(passage.text_encrypted),
            }
            for passage in Passage.objects.filter(memorial_id=memorial_id)
            .order_by("document_id", "position")
            .iterator(chunk_size=2000)
        ],
    )


def _documents_count(memorial_id: uuid.UUID) -> int:
    return Document.objects.filter(memorial_id=memorial_id).count()


def _documents_erase(memorial_id: uuid.UUID) -> int:
    count, _ = Document.objects.filter(memorial_id=memorial_id).delete()
    return count


def _documents_export(memorial_id: uuid.UUID, writer: ExportWriter) -> None:
    cipher = memorial_cipher(memorial_id=memorial_id)
    writer.write_json(
        "corpus/documents.json",
        [
            {
                "id": str(document.id),
                "upload": str(document.upload_id) if document.upload_id else None,
                "kind": document.kind,
                "source": document.source,
                "source_path": cipher.decrypt_text(document.source_path_encrypted),
                "title": cipher.decrypt_text(document.title_encrypted),
                "author": cipher.decrypt_text(document.author_encrypted),
                "author_id": cipher.decrypt_text(document.author_id_encrypted),
                "audience": json.loads(cipher.decrypt_text(document.audience_encrypted)),
                "date": document.date.isoformat() if document.date else None,
                "register": document.register,
                "register_reason": cipher.decrypt_text(document.register_reason_encrypted),
                "written_by_you": document.is_subject_author,
                "text": cipher.decrypt_text(document.text_encrypted),
            }
            for document in Document.objects.filter(memorial_id=memorial_id).iterator(
                chunk_size=500
            )
        ],
    )
    writer.write_json(
        "corpus/people.json",
        {
            "you": [
                {"kind": identity.kind, "value": cipher.decrypt_text(identity.value_encrypted)}
                for identity in SubjectIdentity.objects.filter(memorial_id=memorial_id)
            ],
            "correspondents": [
                {
                    "value": cipher.decrypt_text(correspondent.value_encrypted),
                    "register": correspondent.register,
                }
                for correspondent in Correspondent.objects.filter(memorial_id=memorial_id)
            ],
        },
    )


def _uploads_count(memorial_id: uuid.UUID) -> int:
    return Upload.objects.filter(memorial_id=memorial_id).count()


def _uploads_erase(memorial_id: uuid.UUID) -> int:
    uploads = Upload.objects.filter(memorial_id=memorial_id)
    for path in uploads.values_list("path", flat=True):
        upload_file_delete(path)
    count, _ = uploads.delete()
    SubjectIdentity.objects.filter(memorial_id=memorial_id).delete()
    Correspondent.objects.filter(memorial_id=memorial_id).delete()
    memorial_uploads_delete(memorial_id=memorial_id)  # and any partial file left by a crash
    return count


def _uploads_export(memorial_id: uuid.UUID, writer: ExportWriter) -> None:
    cipher = memorial_cipher(memorial_id=memorial_id)
    uploads = list(Upload.objects.filter(memorial_id=memorial_id).order_by("created_at"))
    names = {upload.id: cipher.decrypt_text(upload.name_encrypted) for upload in uploads}
    for upload in uploads:
        writer.write_bytes(
            f"corpus/files/{upload.id}/{names[upload.id]}",
            upload_file_chunks(memorial_id=memorial_id, relative=upload.path),
        )
    writer.write_json(
        "corpus/uploads.json",
        [
            {
                "id": str(upload.id),
                "name": names[upload.id],
                "size": upload.size,
                "status": upload.status,
                "error": upload.error,
                "outcomes": json.loads(cipher.decrypt_text(upload.outcomes_encrypted)),
                "created_at": upload.created_at.isoformat(),
            }
            for upload in uploads
        ],
    )


def _deletions_count(memorial_id: uuid.UUID) -> int:
    return Deletion.objects.filter(memorial_id=memorial_id).count()


def _deletions_erase(memorial_id: uuid.UUID) -> int:
    count, _ = Deletion.objects.filter(memorial_id=memorial_id).delete()
    return count


def _deletions_export(memorial_id: uuid.UUID, writer: ExportWriter) -> None:
    """What was deleted and may still be put back is still held: its words are exported
    too, until it is purged."""
    cipher = memorial_cipher(memorial_id=memorial_id)

    def text(row: dict[str, object], column: str) -> str:
        value = str(row.get(column) or "")  # bytea as to_jsonb writes it: "\\x" and hex
        return cipher.decrypt_text(bytes.fromhex(value[2:])) if value.startswith("\\x") else ""

    writer.write_json(
        "corpus/deleted.json",
        [
            {
                "kind": deletion.kind,
                "document": str(deletion.document_id),
                "title": cipher.decrypt_text(deletion.label_encrypted),
                "deleted_at": deletion.created_at.isoformat(),
                "passages": [
                    text(row, "text_encrypted")
                    for row in sorted(
                        DeletedPassage.objects.filter(deletion=deletion).values_list(
                            "row", flat=True
                        ),
                        key=lambda row: int(row.get("position") or 0),
                    )
                ],
            }
            for deletion in Deletion.objects.filter(memorial_id=memorial_id).order_by("created_at")
        ],
    )


def corpus_holders_register() -> None:
    holder_register(DataHolder(
        name="corpus.deletions", label="writing you deleted, kept a while so it can be put back",
        count=_deletions_count, erase=_deletions_erase, export=_deletions_export, order=5,
    ))  # fmt: skip
    holder_register(DataHolder(
        name="corpus.passages", label="passages of your writing, with their search index",
        count=_passages_count, erase=_passages_erase, export=_passages_export, order=10,
    ))  # fmt: skip
    holder_register(DataHolder(
        name="corpus.documents", label="documents read from your files",
        count=_documents_count, erase=_documents_erase, export=_documents_export, order=20,
    ))  # fmt: skip
    holder_register(DataHolder(
        name="corpus.uploads", label="files you uploaded",
        count=_uploads_count, erase=_uploads_erase, export=_uploads_export, order=30,
    ))  # fmt: skip
