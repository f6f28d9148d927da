"""Decrypted memories forgotten in every worker as soon as they are deleted.

A reply worker keeps a visitor's memories decrypted between their messages
(`conversations.memories._kept`). When a visitor has the twin forget a memory, or a
memorial's memories are erased (the kill switch), `memories_forget_everywhere` drops what
this process keeps of them and, once the deletion commits, tells every worker over the
broker (a Celery remote-control broadcast, `memories_forget`), which drops what it keeps.
Workers with the threads pool (the replies' worker, where memories are decrypted) receive
it in the process that keeps them. A broadcast that cannot be sent (the broker unreachable)
is logged; what a worker kept is then still forgotten `KEPT_SECONDS` after the visitor's
last message, or at the visitor's next reply for a single deleted memory."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from celery import current_app
from celery.worker.control import control_command
from django.db import transaction

from conversations.memories import memories_kept_forget

logger = logging.getLogger(__name__)

COMMAND = "memories_forget"


def memories_forget_everywhere(
    *, memorial_id: uuid.UUID | str, visitor_id: uuid.UUID | str | None = None
) -> None:
    """Forget the decrypted memories of `memorial_id` (of one visitor when `visitor_id` is
    given) in this process now, and in every worker once the current transaction commits."""
    memories_kept_forget(memorial_id=memorial_id, visitor_id=visitor_id)
    arguments = {
        "memorial_id": str(memorial_id),
        "visitor_id": str(visitor_id) if visitor_id is not None else None,
    }
    transaction.on_commit(lambda: _broadcast(arguments), robust=True)


def _broadcast(arguments: dict[str, str | None]) -> None:
    try:
        current_app.control.broadcast(COMMAND, arguments=arguments)
    except Exception:  # the broker unreachable: each worker forgets them when idle
        logger.exception("could not tell the workers to forget memories")


@control_command(
    name=COMMAND,
    args=[("memorial_id", str), ("visitor_id", str)],
    signature="<memorial_id> [visitor_id]",
)
def _memories_forget(state: Any, memorial_id: str, visitor_id: str | None = None) -> dict:
    """Forget the decrypted memories this worker keeps of a memorial (or one visitor)."""
    dropped = memories_kept_forget(memorial_id=memorial_id, visitor_id=visitor_id)
    return {"ok": f"forgot {dropped}"}
