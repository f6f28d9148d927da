"""Usage counted per visitor and month (`UsageMonth`), for plans to use later.

Every count is one UPDATE of F() expressions on the month's row, made first if missing with
an INSERT that ignores a conflict (`bulk_create(ignore_conflicts=True)`): two workers
counting at once for the same visitor and month both land, with no lost update and no
IntegrityError.

What is counted:
- `messages`: the visitor's messages the twin replied to (counted when the reply ends,
  complete or stopped part way), with the tokens of every LLM call that reply made
  (`TwinReply.usage`: input, output, cache reads);
- `seconds`: conversation time, counted by the socket when it closes: from its opening to
  its last message in either direction plus `IDLE_GRACE` (reading the last reply), so a tab
  left open overnight counts as the conversation it held, not the night. Each device's
  socket counts its own time;
- `spoken_seconds`: the length of each reply spoken aloud, once its audio is stored
  (`conversations.speech.reply_speech_end`), for the plan's spoken minutes."""

from __future__ import annotations

import uuid
from datetime import date

from django.db.models import F
from django.utils import timezone

from conversations.models import UsageMonth

IDLE_GRACE = 120  # seconds after the last message that still count as conversation


def month_of(day: date | None = None) -> date:
    day = day or timezone.localdate()
    return day.replace(day=1)


def usage_add(
    *,
    memorial_id: uuid.UUID | str,
    visitor_id: uuid.UUID,
    messages: int = 0,
    input_tokens: int = 0,
    output_tokens: int = 0,
    cache_read_tokens: int = 0,
    seconds: int = 0,
    spoken_seconds: int = 0,
    day: date | None = None,
) -> None:
    """Add to this visitor's count for the month of `day` (today by default), atomically."""
    month = month_of(day)
    UsageMonth.objects.bulk_create(
        [UsageMonth(memorial_id=memorial_id, visitor_id=visitor_id, month=month)],
        ignore_conflicts=True,
    )
    UsageMonth.objects.filter(memorial_id=memorial_id, visitor_id=visitor_id, month=month).update(
        messages=F("messages") + max(messages, 0),
        input_tokens=F("input_tokens") + max(input_tokens, 0),
        output_tokens=F("output_tokens") + max(output_tokens, 0),
        cache_read_tokens=F("cache_read_tokens") + max(cache_read_tokens, 0),
        seconds=F("seconds") + max(seconds, 0),
        spoken_seconds=F("spoken_seconds") + max(spoken_seconds, 0),
        updated_at=timezone.now(),
    )
