"""A visitor's conversation with a memorial's twin, and its messages in order."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models


class Conversation(models.Model):
    """One visitor's conversation with one memorial's twin: a single thread per visitor,
    shared by all their devices. `last_seq` is the sequence number of its newest message."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    memorial = models.ForeignKey(
        "memorials.Memorial", on_delete=models.CASCADE, related_name="conversations"
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations"
    )
    last_seq = models.PositiveIntegerField(default=0)
    # Grief safety (conversations.guardrails): the crisis risk carried from turn to turn and
    # visit to visit (it fades with time from `risk_at`), and when the visitor was last told
    # that they talk with an AI (at each session's start and every three hours of use).
    risk = models.FloatField(default=0.0)
    risk_at = models.DateTimeField(null=True, blank=True)
    disclosed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["memorial", "visitor"], name="conversation_once_per_visitor"
            ),
        ]

    def __str__(self) -> str:
        return f"conversation {self.id}"


class MessageRole(models.TextChoices):
    VISITOR = "visitor", "Visitor"
    TWIN = "twin", "Twin"


class MessageStatus(models.TextChoices):
    STREAMING = "streaming", "Being written"
    COMPLETE = "complete", "Complete"
    FAILED = "failed", "Stopped part way"  # the provider failed; what was said is kept


class Concern(models.TextChoices):
    """What the guardrails found in a visitor's message, and so how its reply was shaped."""

    NONE = "", "None"
    CRISIS = "crisis", "Crisis care"
    FRAUD = "fraud", "Refused: money, secrets or instructions"
    DISCLOSURE = "disclosure", "Asked whether it is really them"
    TOPIC = "topic", "A topic the subject asked the twin not to discuss"
    LIMIT = "limit", "Time limit or quiet hours"


class Message(models.Model):
    """One message, numbered in its conversation (`seq`, from 1). A visitor's message carries
    the browser's `client_id`, so a message sent twice (a reconnect) is stored once. A twin's
    reply records the passages it drew on and whether it abstained ("I don't remember")."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    seq = models.PositiveIntegerField()
    role = models.CharField(max_length=8, choices=MessageRole.choices)
    client_id = models.CharField(max_length=64, blank=True)  # the visitor's, for dedup
    reply_to = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    text_encrypted = models.BinaryField()
    status = models.CharField(
        max_length=16, choices=MessageStatus.choices, default=MessageStatus.COMPLETE
    )
    abstained = models.BooleanField(default=False)
    passage_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    memory_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    register = models.CharField(max_length=16, blank=True)  # the voice it answered in
    provider_label = models.CharField(max_length=100, blank=True)
    notice = models.CharField(max_length=300, blank=True)  # a provider's trouble, in plain words
    # The guardrails' reading: on a visitor's message, what it was found to carry and its
    # crisis risk (0-1); on a reply, the concern that shaped it (then it was not the persona's).
    concern = models.CharField(max_length=16, choices=Concern.choices, default="", blank=True)
    risk = models.FloatField(default=0.0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["conversation", "seq"]
        indexes = [
            # The replies being written now: a handful at any time, found without reading
            # every message (the plan's allowance counts those queued ahead of each reply).
            models.Index(
                fields=["conversation"],
                condition=models.Q(status="streaming"),
                name="message_streaming",
            ),
            # A visitor's messages of the last day or so, by time, for the time they spent
            # (read on every message they send) and the reliance trend: without it, every
            # message of their conversation, years of it, is read and filtered.
            models.Index(fields=["conversation", "created_at"], name="message_conversation_time"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="message_seq_once"),
            models.UniqueConstraint(
                fields=["conversation", "client_id"],
                condition=~models.Q(client_id=""),
                name="message_client_id_once",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=MessageRole.values), name="message_role_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=MessageStatus.values), name="message_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} message {self.seq} of {self.conversation_id}"
