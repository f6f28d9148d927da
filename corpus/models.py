"""A subject's writing: uploads, the documents in them, and their searchable passages.

Content (files on disk, document text, passage text, titles) is encrypted with the memorial's
own key (`core.crypto`), and so are the names around it: file names, people's names and
addresses (speaker, author, audience, the subject's identities, correspondents), register
reasons and upload outcomes (the `*_encrypted` columns, written by `corpus.services`, read
decrypted through `corpus.selectors`). Where a name must be matched (whose words are the
subject's), a keyed hash of it sits beside (`*_hash`: `corpus.registers.identity_hash`).
What must stay searchable is keyed to that key instead (`corpus.search_keys`): the full-text
lexemes (`Passage.search`) are stored as keyed tokens without positions, the embedding
vectors through the memorial's secret rotation, and the dedup digests (`Upload.sha256`,
`Document.content_sha256`) are keyed HMACs. All of it is deleted with the rows (see
`corpus.holders`).
"""

from __future__ import annotations

import uuid

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from pgvector.django import VectorField

from corpus.embeddings import EMBEDDING_DIMENSIONS


class Register(models.TextChoices):
    PROFESSIONAL = "professional", "Professional"
    FAMILY = "family", "Family"
    FRIENDS = "friends", "Friends"
    PUBLIC = "public", "Public"


class UploadStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    PARSING = "parsing", "Reading"
    EMBEDDING = "embedding", "Indexing"
    DONE = "done", "Done"
    FAILED = "failed", "Could not be read"
    STOPPED = "stopped", "Stopped: consent withdrawn"


class Upload(models.Model):
    """One uploaded file (a zip counts as one, with an outcome per member)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    memorial = models.ForeignKey(
        "memorials.Memorial", on_delete=models.CASCADE, related_name="uploads"
    )
    name_encrypted = models.BinaryField()  # the file's name, as the subject named it
    size = models.BigIntegerField()
    # Not the file's SHA-256: the memorial's keyed digest of it (MemorialCipher.content_digest),
    # for dedup per memorial; it confirms nothing about a known file without the key.
    sha256 = models.CharField(max_length=64)
    path = models.CharField(max_length=500)  # its name in the encrypted file store (core.files)
    status = models.CharField(
        max_length=16, choices=UploadStatus.choices, default=UploadStatus.QUEUED
    )
    error = models.TextField(blank=True)
    outcomes_encrypted = models.BinaryField()  # a JSON list: one per file or zip member
    documents_total = models.PositiveIntegerField(default=0)
    documents_done = models.PositiveIntegerField(default=0)
    passages_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["memorial", "sha256"], name="upload_once_per_memorial"),
            models.CheckConstraint(
                condition=models.Q(status__in=UploadStatus.values), name="upload_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"upload {self.id}"

    @property
    def is_finished(self) -> bool:
        return self.status in (UploadStatus.DONE, UploadStatus.FAILED, UploadStatus.STOPPED)


class Document(models.Model):
    """One email, chat thread, post, journal entry or file of prose."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    memorial = models.ForeignKey(
        "memorials.Memorial", on_delete=models.CASCADE, related_name="documents"
    )
    upload = models.ForeignKey(
        Upload, on_delete=models.SET_NULL, null=True, blank=True, related_name="documents"
    )
    kind = models.CharField(max_length=16)  # email, chat, post, journal, document
    source = models.CharField(max_length=32)  # the format: mbox, whatsapp, ...
    source_path_encrypted = models.BinaryField()  # file, or member of a zip
    title_encrypted = models.BinaryField()
    text_encrypted = models.BinaryField()
    author_encrypted = models.BinaryField()
    author_id_encrypted = models.BinaryField()
    # Keyed hashes of the normalised author and author id ("" when there is none): whose
    # words these are is marked again by them when the subject's identities change.
    author_hash = models.CharField(max_length=64, blank=True)
    author_id_hash = models.CharField(max_length=64, blank=True)
    audience_encrypted = models.BinaryField()  # a JSON list: the other people in it
    date = models.DateTimeField(null=True, blank=True)
    register = models.CharField(max_length=16, choices=Register.choices)
    register_reason_encrypted = models.BinaryField()  # why it was inferred
    register_corrected = models.BooleanField(default=False)  # set by the subject: kept
    is_subject_author = models.BooleanField(default=False)
    # Dedup across uploads: the memorial's keyed digest (MemorialCipher.content_digest) of
    # document_content_sha256, not that SHA-256 itself.
    content_sha256 = models.CharField(max_length=64)
    passages_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["memorial", "content_sha256"], name="document_once_per_memorial"
            ),
            models.CheckConstraint(
                condition=models.Q(register__in=Register.values), name="document_register_valid"
            ),
        ]
        indexes = [models.Index(fields=["memorial", "date"], name="document_memorial_date")]

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"


class Passage(models.Model):
    """A piece of a document split on a natural boundary, embedded and full-text indexed."""

    memorial = models.ForeignKey(
        "memorials.Memorial", on_delete=models.CASCADE, related_name="passages"
    )
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="passages")
    position = models.PositiveIntegerField()
    text_encrypted = models.BinaryField()
    speaker_encrypted = models.BinaryField()
    speaker_id_encrypted = models.BinaryField()
    # Keyed hashes of the normalised speaker and speaker id, as on Document.
    speaker_hash = models.CharField(max_length=64, blank=True)
    speaker_id_hash = models.CharField(max_length=64, blank=True)
    is_subject = models.BooleanField(default=False)  # the subject's own words: their voice
    sent_at = models.DateTimeField(null=True, blank=True)
    register = models.CharField(max_length=16, choices=Register.choices)  # the document's
    # Unit-norm, so cosine distance (`<=>`) ranks them; searched through the memorial's HNSW
    # index once it has one (corpus.partitions), exactly before. Stored through the memorial's
    # secret rotation (corpus.search_keys): distances are the model's, the vector is not.
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS)
    # The memorial's keyed tokens of the indexed text's lexemes (speaker, date, text), without
    # positions, made at write time (corpus.search_keys): the text itself is encrypted.
    search = SearchVectorField()

    class Meta:
        ordering = ["document", "position"]
        # The table is partitioned by memorial (migration 0005, corpus.partitions): each
        # memorial's passages have their own table, GIN index and, once there are enough,
        # HNSW graph. Unique constraints must hold the partition key.
        constraints = [
            models.UniqueConstraint(
                fields=["memorial", "document", "position"], name="passage_position_once"
            ),
        ]
        indexes = [
            GinIndex(fields=["search"], name="passage_search_gin"),
            models.Index(fields=["memorial", "sent_at"], name="passage_memorial_sent_at"),
        ]

    def __str__(self) -> str:
        return f"passage {self.position} of {self.document_id}"


class IdentityKind(models.TextChoices):
    NAME = "name", "Name"
    EMAIL = "email", "Email address"
    HANDLE = "handle", "Handle or phone"


class SubjectIdentity(models.Model):
    """A name, address or handle the subject writes under: their words are the ones signed so."""

    memorial = models.ForeignKey(
        "memorials.Memorial", on_delete=models.CASCADE, related_name="identities"
    )
    kind = models.CharField(max_length=16, choices=IdentityKind.choices)
    value_encrypted = models.BinaryField()
    value_hash = models.CharField(max_length=64)  # keyed hash of the normalised value
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "created_at"]  # by value: decrypted, in `corpus.selectors`
        constraints = [
            models.UniqueConstraint(
                fields=["memorial", "kind", "value_hash"], name="identity_once_per_memorial"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"


class Correspondent(models.Model):
    """Someone the subject writes to, placed by the subject in a register (e.g. family)."""

    memorial = models.ForeignKey(
        "memorials.Memorial", on_delete=models.CASCADE, related_name="correspondents"
    )
    value_encrypted = models.BinaryField()  # a name, address or handle
    value_hash = models.CharField(max_length=64)  # keyed hash of the normalised value
    register = models.CharField(max_length=16, choices=Register.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["register", "created_at"]  # by value: decrypted, in `corpus.selectors`
        constraints = [
            models.UniqueConstraint(
                fields=["memorial", "value_hash"], name="correspondent_once_per_memorial"
            ),
        ]

    def __str__(self) -> str:
        return f"correspondent {self.id} ({self.register})"


class CorpusStatistics(models.Model):
    """How many passages a memorial holds and their lexemes in all: BM25's N and average
    length. Kept by a trigger on corpus_passage (see migration 0004), like LexemeFrequency."""

    memorial = models.OneToOneField(
        "memorials.Memorial", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    passages = models.BigIntegerField(default=0)
    lexemes = models.BigIntegerField(default=0)  # the sum of length(search)

    class Meta:
        ordering = ["memorial"]
        verbose_name_plural = "corpus statistics"

    def __str__(self) -> str:
        return f"{self.passages} passages of {self.memorial_id}"


class LexemeFrequency(models.Model):
    """In how many of a memorial's passages a lexeme occurs (its document frequency), for
    BM25's IDF and to leave out, at query time, the lexemes too common to search by. Kept by
    statement-level triggers on corpus_passage inserts and deletes (migration 0004); a
    passage's lexemes are never updated in place."""

    memorial = models.ForeignKey(  # indexed by the unique constraint, memorial first
        "memorials.Memorial", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    lexeme = models.TextField()
    passages = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["memorial", "lexeme"]
        constraints = [
            models.UniqueConstraint(fields=["memorial", "lexeme"], name="lexeme_once_per_memorial")
        ]

    def __str__(self) -> str:
        return f"{self.lexeme}: {self.passages}"


class DeletionKind(models.TextChoices):
    PASSAGE = "passage", "Passage"
    DOCUMENT = "document", "Document"


class Deletion(models.Model):
    """A passage or a document the subject deleted, kept aside for a while so it can be put
    back (`corpus.services.deletions`). Its rows are moved out of `Document` and `Passage`,
    not flagged there: from the moment of deletion, retrieval, the twin and every count no
    longer see them, with no filter on any reader. Purged for good after
    `CORPUS_DELETE_UNDO_HOURS` (a beat task), with the memorial's erasure, or with the upload
    they came from."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    memorial = models.ForeignKey("memorials.Memorial", on_delete=models.CASCADE, related_name="+")
    upload = models.ForeignKey(
        Upload, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=DeletionKind.choices)
    document_id = models.UUIDField()  # the document, or the passage's document
    # A few words to show beside "Undo": the document's title (encrypted like it).
    label_encrypted = models.BinaryField()
    # The document's row as Postgres's to_jsonb gave it (its columns already encrypted).
    document_row = models.JSONField(null=True, blank=True)
    passages = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=DeletionKind.values), name="deletion_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="deletion_created_at")]

    def __str__(self) -> str:
        return f"{self.kind} deletion {self.id}"


class DeletedPassage(models.Model):
    """One passage of a `Deletion`, as to_jsonb gave its row: put back whole by undo."""

    deletion = models.ForeignKey(Deletion, on_delete=models.CASCADE, related_name="rows")
    row = models.JSONField()

    class Meta:
        ordering = ["deletion", "id"]

    def __str__(self) -> str:
        return f"deleted passage {self.id}"
