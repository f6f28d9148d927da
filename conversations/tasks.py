"""The twin's reply, written by a Celery worker on the kernel's consent-bound task base, so
it goes on being written and stored when the visitor's socket drops, and stops when the
consent it relies on is withdrawn.

One task per consent scope (the base binds a task to its scope): the subject's own preview
relies on their writing (`corpus`); family conversations on `conversation_living` or
`conversation_posthumous` (`conversations.selectors.conversation_consent_scope`)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from conversations.services.reply_writing import (
    INTERRUPTED_NOTICE,
    WITHDRAWN_NOTICE,
    reply_generate,
    reply_stop,
)
from core.consent import ConsentScope
from core.tasks import MemorialTask


class ReplyTask(MemorialTask):
    abstract = True
    # A reply is awaited now: a short backoff, and a few tries, then it says it stopped.
    max_retries = 3
    retry_backoff = 1
    retry_backoff_max = 5

    def consent_withdrawn(self, **kwargs: Any) -> None:
        reply_stop(
            memorial_id=kwargs["memorial_id"],
            message_id=kwargs["message_id"],
            notice=WITHDRAWN_NOTICE,
        )

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        reply_stop(
            memorial_id=kwargs["memorial_id"],
            message_id=kwargs["message_id"],
            notice=INTERRUPTED_NOTICE,
        )


class PreviewReplyTask(ReplyTask):
    scope = ConsentScope.CORPUS


class LivingReplyTask(ReplyTask):
    scope = ConsentScope.CONVERSATION_LIVING


class PosthumousReplyTask(ReplyTask):
    scope = ConsentScope.CONVERSATION_POSTHUMOUS


@shared_task(base=PreviewReplyTask, bind=True)
def reply_write_preview(self: ReplyTask, *, memorial_id: str, message_id: int) -> None:
    """The twin's reply in the subject's own preview."""
    reply_generate(memorial_id=memorial_id, message_id=message_id, scope=self.scope or "")


@shared_task(base=LivingReplyTask, bind=True)
def reply_write_living(self: ReplyTask, *, memorial_id: str, message_id: int) -> None:
    """The twin's reply to a family member while the subject lives."""
    reply_generate(memorial_id=memorial_id, message_id=message_id, scope=self.scope or "")


@shared_task(base=PosthumousReplyTask, bind=True)
def reply_write_posthumous(self: ReplyTask, *, memorial_id: str, message_id: int) -> None:
    """The twin's reply to a family member after the subject's death."""
    reply_generate(memorial_id=memorial_id, message_id=message_id, scope=self.scope or "")


REPLY_TASKS: dict[str, ReplyTask] = {
    ConsentScope.CORPUS: reply_write_preview,  # type: ignore[dict-item]
    ConsentScope.CONVERSATION_LIVING: reply_write_living,  # type: ignore[dict-item]
    ConsentScope.CONVERSATION_POSTHUMOUS: reply_write_posthumous,  # type: ignore[dict-item]
}
