"""Questions the twin could not answer, passed on to the living subject."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class QuestionStatus(models.TextChoices):
    WAITING = "waiting", "Waiting for an answer"
    ANSWERED = "answered", "Answered"
    DECLINED = "declined", "Not answered"


class QuestionForSubject(models.Model):
    """A visitor's question the twin abstained on, passed to the living subject with the
    visitor's agreement. The answer becomes a document of the subject's writing
    (`answer_document_id`), which the twin draws on from then on."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    memorial = models.ForeignKey(
        "memorials.Memorial", on_delete=models.CASCADE, related_name="questions_for_subject"
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="questions_asked"
    )
    message = models.ForeignKey(
        "conversations.Message", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="questions",
    )  # fmt: skip
    question_encrypted = models.BinaryField()
    status = models.CharField(
        max_length=16, choices=QuestionStatus.choices, default=QuestionStatus.WAITING
    )
    answer_document_id = models.UUIDField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=QuestionStatus.values),
                name="question_status_valid",
            ),
            # Asked once per abstained reply, from however many devices.
            models.UniqueConstraint(fields=["message"], name="question_once_per_reply"),
        ]

    def __str__(self) -> str:
        return f"question {self.id} ({self.status})"
