"""The twin's reply, written by a Celery worker on the kernel's consent-bound task base, so
it goes on being written and stored when the visitor's socket drops, and stops when the
consent it relies on is withdrawn.

One task per consent scope (the base binds a task to its scope): the subject's own preview
relies on their writing (`corpus`); family conversations on `conversation_living` or
`conversation_posthumous` (`conversations.selectors.conversation_consent_scope`).

After each exchange (a reply completed), what the visitor shared of their life is remembered
by a task under the same consent (`REMEMBER_TASKS`), so a withdrawal stops that too. Replies
go to their own queue (`settings.CELERY_REPLY_QUEUE`), the rest to the default one, so a
reply never waits behind the remembering of the one before."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.db import transaction

from conversations.guardrails.detection import turn_assess
from conversations.services.memories import memories_remember
from conversations.services.reply_writing import (
    INTERRUPTED_NOTICE,
    WITHDRAWN_NOTICE,
    reply_generate,
    reply_stop,
)
from core.consent import ConsentScope
from core.crypto import ciphers_reused
from core.tasks import MemorialTask


@worker_ready.connect
def _guardrails_warm(**_: Any) -> None:
    """The detector made ready when a worker starts (its prototype sentences embedded, its
    classifier and its reader loaded), not on the first visitor's message (about a second)."""
    turn_assess(text="Hello, it's me again.", use_llm=False)


class ReplyTask(MemorialTask):
    abstract = True
    # A queue of their own, with a worker of its own (`make run`): nothing else (what was
    # shared remembered, ingests, builds, mail) waits in front of a reply.
    queue = settings.CELERY_REPLY_QUEUE
    # Nobody reads a reply task's result (the reply is in the database): none is stored, and
    # the sender does not subscribe to it at each message (a round trip to Redis).
    ignore_result = True
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


class RememberTask(MemorialTask):
    abstract = True
    ignore_result = True  # as for replies: stored in the database, nobody waits on it
    # Nobody waits for it: a model that is busy is tried again later, calmly.
    max_retries = 5
    retry_backoff = 10


class PreviewRememberTask(RememberTask):
    scope = ConsentScope.CORPUS


class LivingRememberTask(RememberTask):
    scope = ConsentScope.CONVERSATION_LIVING


class PosthumousRememberTask(RememberTask):
    scope = ConsentScope.CONVERSATION_POSTHUMOUS


def _reply_write(task: ReplyTask, *, memorial_id: str, message_id: int) -> None:
    scope = task.scope or ""
    with ciphers_reused():  # one reply reads the memorial's key once
        completed = reply_generate(memorial_id=memorial_id, message_id=message_id, scope=scope)
    if completed:
        with transaction.atomic():
            REMEMBER_TASKS[scope].enqueue(memorial_id=memorial_id, message_id=message_id)


@shared_task(base=PreviewReplyTask, bind=True)
def reply_write_preview(self: ReplyTask, *, memorial_id: str, message_id: int) -> None:
    """The twin's reply in the subject's own preview."""
    _reply_write(self, memorial_id=memorial_id, message_id=message_id)


@shared_task(base=LivingReplyTask, bind=True)
def reply_write_living(self: ReplyTask, *, memorial_id: str, message_id: int) -> None:
    """The twin's reply to a family member while the subject lives."""
    _reply_write(self, memorial_id=memorial_id, message_id=message_id)


@shared_task(base=PosthumousReplyTask, bind=True)
def reply_write_posthumous(self: ReplyTask, *, memorial_id: str, message_id: int) -> None:
    """The twin's reply to a family member after the subject's death."""
    _reply_write(self, memorial_id=memorial_id, message_id=message_id)


@shared_task(base=PreviewRememberTask, bind=True)
def remember_preview(self: RememberTask, *, memorial_id: str, message_id: int) -> None:
    """What the subject told of themselves in their own preview (reply `message_id`)."""
    memories_remember(memorial_id=memorial_id, reply_id=message_id, scope=self.scope or "")


@shared_task(base=LivingRememberTask, bind=True)
def remember_living(self: RememberTask, *, memorial_id: str, message_id: int) -> None:
    """What a family member told of their life, while the subject lives."""
    memories_remember(memorial_id=memorial_id, reply_id=message_id, scope=self.scope or "")


@shared_task(base=PosthumousRememberTask, bind=True)
def remember_posthumous(self: RememberTask, *, memorial_id: str, message_id: int) -> None:
    """What a family member told of their life, after the subject's death."""
    memories_remember(memorial_id=memorial_id, reply_id=message_id, scope=self.scope or "")


REPLY_TASKS: dict[str, ReplyTask] = {
    ConsentScope.CORPUS: reply_write_preview,  # type: ignore[dict-item]
    ConsentScope.CONVERSATION_LIVING: reply_write_living,  # type: ignore[dict-item]
    ConsentScope.CONVERSATION_POSTHUMOUS: reply_write_posthumous,  # type: ignore[dict-item]
}
REMEMBER_TASKS: dict[str, RememberTask] = {
    ConsentScope.CORPUS: remember_preview,  # type: ignore[dict-item]
    ConsentScope.CONVERSATION_LIVING: remember_living,  # type: ignore[dict-item]
    ConsentScope.CONVERSATION_POSTHUMOUS: remember_posthumous,  # type: ignore[dict-item]
}
