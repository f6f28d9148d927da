"""The kernel's own records: each memorial's data key, the audit log, and the background
work tracked under a consent scope.

They name a memorial by its id, never by a foreign key: `core` stands below `memorials` and
does not know its models. A memorial's rows here outlive it where they must (the destroyed
key stays as a tombstone, so nothing makes it a new one; the audit trail names it only by a
keyed hash).
"""

from __future__ import annotations

from django.db import models

from core.consent import ConsentScope


class MemorialKey(models.Model):
    """A memorial's data key, stored only wrapped by the master key."""

    memorial_id = models.UUIDField(unique=True)
    # AES-256 key, wrapped with AES-GCM under the master key; NULL once destroyed
    # (crypto-shredding: every ciphertext of this memorial becomes unreadable). The row
    # itself stays, so a destroyed key is never replaced by a fresh one.
    wrapped_key = models.BinaryField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"data key of {self.memorial_id}"


class AuditEvent(models.Model):
    """One thing that happened. Each row's hash covers the previous row's hash, so editing
    or deleting any row breaks the chain from there on (`manage.py audit_verify`).

    Unmanaged: its table, triggers and privileges are made by migrations (core 0001, 0002).
    The app's database role may only read and append to it, so it cannot TRUNCATE it as
    Django's `flush` (a TransactionTestCase's teardown) would; being unmanaged, `flush`
    leaves it out."""

    # Not the memorial's id but a keyed hash of it (`core.audit.memorial_ref`): the trail
    # outlives an erasure, and then must not carry the erased memorial's id.
    memorial_ref = models.CharField(max_length=64, blank=True, db_index=True)
    # Who did it, as written when it happened (the hash covers both): the person may be
    # deleted later, and the row may never change.
    actor_ref = models.CharField(max_length=64, blank=True)
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=64)
    data = models.JSONField(default=dict, blank=True)  # never content: ids, scopes, counts
    created_at = models.DateTimeField()
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        managed = False
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"


class AuditCheckpoint(models.Model):
    """The audit chain's head, signed with the server's Ed25519 key (`core.signing`) at a
    moment: daily, and for every export and erasure certificate, which carry a copy. A
    checkpoint names the last event, its hash and how many events there were up to it, so
    deleting the tail or rewriting the chain with recomputed hashes no longer verifies.

    Append-only like the events, and unmanaged for the same reason (see `AuditEvent`)."""

    event_id = models.BigIntegerField()  # the head event's id; 0 while the log is empty
    head_hash = models.CharField(max_length=64)
    event_count = models.BigIntegerField()  # events with an id up to event_id
    created_at = models.DateTimeField()
    signature = models.CharField(max_length=128)  # over `core.audit.checkpoint_body`
    public_key = models.CharField(max_length=64)

    class Meta:
        managed = False
        ordering = ["id"]

    def __str__(self) -> str:
        return f"audit checkpoint at event {self.event_id} ({self.created_at:%Y-%m-%d %H:%M})"


class TrackedTask(models.Model):
    """A Celery task queued for a memorial under a consent scope, until it finishes or is
    revoked. Withdrawing the scope revokes these task ids at the workers."""

    memorial_id = models.UUIDField()
    scope = models.CharField(max_length=32, choices=ConsentScope.choices)
    task_id = models.CharField(max_length=64, unique=True)
    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict, blank=True)  # ids only, to tell the work it stopped
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["memorial_id", "scope"], name="core_task_memorial_scope")]

    def __str__(self) -> str:
        return f"{self.task_name} ({self.scope}) for {self.memorial_id}"


class OutboundMail(models.Model):
    """A notification on its way: written in the transaction that decided to send it, sent
    by a task that retries, and deleted once the mail server has taken it. So a mail server
    that is down delays a mail, never loses it. One that can never be sent as it is (a header
    it cannot carry, an address refused for good) stays, with `failed_at`, and is not tried
    again. Every mail is about a memorial, and its recipient, subject and body are encrypted
    with that memorial's key (names and addresses are in them): the kill switch leaves a
    waiting mail unreadable, and unsent."""

    memorial_id = models.UUIDField(db_index=True)
    # What the mail is about, for pages that show its delivery, e.g. "invitation:<uuid>".
    topic = models.CharField(max_length=100, blank=True, db_index=True)
    message_encrypted = models.BinaryField()  # JSON: to, subject, body
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)  # the kind of failure only
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)  # given up on: never sent

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"mail {self.pk} about {self.topic or self.memorial_id}"
