"""Encrypt the names kept in clear until now with each memorial's own key, and store the keyed
hashes that authorship is matched by (`corpus.registers.identity_hash`).

Identities (of one kind) or correspondents whose values are now the same one, as names are
compared (case, spaces and a leading @ ignored), are merged: the first one made is kept
(for a correspondent, in the register given last). A memorial whose key is destroyed holds
no corpus rows (the kill switch deleted them); any found are left empty.

Reversible: going back decrypts into the clear columns (merged duplicates stay merged)."""

import json

from django.db import migrations

from core.crypto import memorial_cipher_unwrap, memorial_key_wrap_new
from corpus.registers import identity_hash

BATCH = 2000
ENCRYPTED_DOCUMENT_FIELDS = [
    "source_path_encrypted",
    "author_encrypted",
    "author_id_encrypted",
    "author_hash",
    "author_id_hash",
    "audience_encrypted",
    "register_reason_encrypted",
]


def _ciphers(apps):
    """memorial id -> its cipher (made for a memorial that had no key yet), or None once its
    key is destroyed."""
    MemorialKey = apps.get_model("core", "MemorialKey")
    found = {}

    def cipher(memorial_id):
        if memorial_id not in found:
            key, _ = MemorialKey.objects.get_or_create(
                memorial_id=memorial_id, defaults={"wrapped_key": memorial_key_wrap_new()}
            )
            found[memorial_id] = (
                None
                if key.wrapped_key is None
                else memorial_cipher_unwrap(memorial_id=memorial_id, wrapped_key=key.wrapped_key)
            )
        return found[memorial_id]

    return cipher


def _rows(model, fields):
    """Every row, memorial by memorial (a passage query names its partition), in batches."""
    memorials = model.objects.order_by().values_list("memorial_id", flat=True).distinct()
    for memorial_id in list(memorials):
        rows = model.objects.filter(memorial_id=memorial_id).order_by("pk").only("pk", *fields)
        batch = []
        for row in rows.iterator(chunk_size=BATCH):
            batch.append(row)
            if len(batch) == BATCH:
                yield memorial_id, batch
                batch = []
        if batch:
            yield memorial_id, batch


def _text(cipher, value):
    return cipher.encrypt_text(value) if cipher else b""


def _hash(cipher, value):
    return identity_hash(cipher=cipher, value=value) if cipher else ""


def _people_merge(model, cipher_of, key_fields):
    """Encrypt identities or correspondents, deleting those now equal to an earlier one."""
    seen = set()
    for row in model.objects.order_by("created_at", "pk"):
        cipher = cipher_of(row.memorial_id)
        row.value_encrypted = _text(cipher, row.value)
        row.value_hash = _hash(cipher, row.value)
        key = (row.memorial_id, *(getattr(row, field) for field in key_fields), row.value_hash)
        if key in seen:
            if model.__name__ == "Correspondent":  # the register given last wins
                model.objects.filter(
                    memorial_id=row.memorial_id, value_hash=row.value_hash
                ).update(register=row.register)
            row.delete()
            continue
        seen.add(key)
        row.save(update_fields=["value_encrypted", "value_hash"])


def encrypt(apps, schema_editor):
    cipher_of = _ciphers(apps)
    Upload = apps.get_model("corpus", "Upload")
    Document = apps.get_model("corpus", "Document")
    Passage = apps.get_model("corpus", "Passage")
    for memorial_id, uploads in _rows(Upload, ["name", "outcomes"]):
        cipher = cipher_of(memorial_id)
        for upload in uploads:
            upload.name_encrypted = _text(cipher, upload.name)
            upload.outcomes_encrypted = _text(cipher, json.dumps(upload.outcomes))
        Upload.objects.bulk_update(uploads, ["name_encrypted", "outcomes_encrypted"])
    document_fields = ["source_path", "author", "author_id", "audience", "register_reason"]
    for memorial_id, documents in _rows(Document, document_fields):
        cipher = cipher_of(memorial_id)
        for document in documents:
            document.source_path_encrypted = _text(cipher, document.source_path)
            document.author_encrypted = _text(cipher, document.author)
            document.author_id_encrypted = _text(cipher, document.author_id)
            document.author_hash = _hash(cipher, document.author)
            document.author_id_hash = _hash(cipher, document.author_id)
            document.audience_encrypted = _text(cipher, json.dumps(document.audience))
            document.register_reason_encrypted = _text(cipher, document.register_reason)
        Document.objects.bulk_update(documents, ENCRYPTED_DOCUMENT_FIELDS)
    for memorial_id, passages in _rows(Passage, ["speaker", "speaker_id"]):
        cipher = cipher_of(memorial_id)
        for passage in passages:
            passage.speaker_encrypted = _text(cipher, passage.speaker)
            passage.speaker_id_encrypted = _text(cipher, passage.speaker_id)
            passage.speaker_hash = _hash(cipher, passage.speaker)
            passage.speaker_id_hash = _hash(cipher, passage.speaker_id)
        Passage.objects.bulk_update(
            passages,
            ["speaker_encrypted", "speaker_id_encrypted", "speaker_hash", "speaker_id_hash"],
        )
    _people_merge(apps.get_model("corpus", "SubjectIdentity"), cipher_of, ["kind"])
    _people_merge(apps.get_model("corpus", "Correspondent"), cipher_of, [])


def _clear(cipher, token):
    return cipher.decrypt_text(token) if cipher and bytes(token) else ""


def decrypt(apps, schema_editor):
    cipher_of = _ciphers(apps)
    Upload = apps.get_model("corpus", "Upload")
    Document = apps.get_model("corpus", "Document")
    Passage = apps.get_model("corpus", "Passage")
    for memorial_id, uploads in _rows(Upload, ["name_encrypted", "outcomes_encrypted"]):
        cipher = cipher_of(memorial_id)
        for upload in uploads:
            upload.name = _clear(cipher, upload.name_encrypted)[:255]
            upload.outcomes = json.loads(_clear(cipher, upload.outcomes_encrypted) or "[]")
        Upload.objects.bulk_update(uploads, ["name", "outcomes"])
    for memorial_id, documents in _rows(Document, ENCRYPTED_DOCUMENT_FIELDS):
        cipher = cipher_of(memorial_id)
        for document in documents:
            document.source_path = _clear(cipher, document.source_path_encrypted)[:500]
            document.author = _clear(cipher, document.author_encrypted)[:255]
            document.author_id = _clear(cipher, document.author_id_encrypted)[:255]
            document.audience = json.loads(_clear(cipher, document.audience_encrypted) or "[]")
            document.register_reason = _clear(cipher, document.register_reason_encrypted)[:255]
        Document.objects.bulk_update(
            documents, ["source_path", "author", "author_id", "audience", "register_reason"]
        )
    for memorial_id, passages in _rows(Passage, ["speaker_encrypted", "speaker_id_encrypted"]):
        cipher = cipher_of(memorial_id)
        for passage in passages:
            passage.speaker = _clear(cipher, passage.speaker_encrypted)[:255]
            passage.speaker_id = _clear(cipher, passage.speaker_id_encrypted)[:255]
        Passage.objects.bulk_update(passages, ["speaker", "speaker_id"])
    for name in ("SubjectIdentity", "Correspondent"):
        model = apps.get_model("corpus", name)
        for row in model.objects.all():
            row.value = _clear(cipher_of(row.memorial_id), row.value_encrypted)[:255]
            row.save(update_fields=["value"])


class Migration(migrations.Migration):
    dependencies = [
        ("corpus", "0007_names_encrypted_columns"),
        ("core", "0001_initial"),
    ]

    operations = [migrations.RunPython(encrypt, decrypt)]
