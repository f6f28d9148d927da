"""Telling the payer that a monthly allowance is nearly or all used (mail through the
outbox; the memorial page shows the same from `AllowanceNotice`)."""

from __future__ import annotations

import uuid

from django.urls import reverse

from billing.selectors import payer_for
from core.allowances import Allowance, AllowanceKind
from core.mail import mail_send_on_commit
from memorials.models import Memorial
from memorials.naming import memorial_place
from memorials.notices import site_link

# Each allowance as a sentence counts it ("1,000 family messages"), whoever reads it.
NOUNS = {
    AllowanceKind.FAMILY_MESSAGES: "family messages",
    AllowanceKind.PREVIEW_MESSAGES: "preview messages",
    AllowanceKind.VOICE_MINUTES: "spoken minutes",
    AllowanceKind.FAMILY_MEMBERS: "family members",
    AllowanceKind.CORPUS_MB: "MB of writing",
    AllowanceKind.VOICE_CLONE: "a cloned voice",
}
# What pauses when a monthly allowance is all used.
WHAT_PAUSES = {
    AllowanceKind.FAMILY_MESSAGES: "The family's conversations with the twin pause",
    AllowanceKind.PREVIEW_MESSAGES: "Preview conversations with the twin pause",
    AllowanceKind.VOICE_MINUTES: "The twin answers in writing, not aloud,",
}


def allowance_noun(kind: str) -> str:
    return NOUNS[AllowanceKind(kind)]


def allowance_notice_text(*, kind: str, level: int, quota: int | None) -> str:
    """The 80 % or "all used" notice of a monthly allowance, counted per calendar month
    (`billing.entitlements.period_start`), as the payer reads it in mail and on the pages."""
    amount = f"{quota:,} {allowance_noun(kind)}"
    if level >= 100:
        return (
            f"This month's {amount} are all used. {WHAT_PAUSES[AllowanceKind(kind)]} until "
            f"the 1st of next month, or start again at once with a larger plan."
        )
    return f"{level} % of this month's {amount} are used."


def allowance_notice_send(
    *, memorial_id: uuid.UUID | str, allowance: Allowance, level: int
) -> None:
    memorial = Memorial.objects.select_related("subject").get(pk=memorial_id)
    payer = payer_for(memorial=memorial)
    if payer is None or not payer.email:
        return
    link = site_link(reverse("billing:memorial", kwargs={"memorial_id": memorial.id}))
    mail_send_on_commit(
        to=[payer.email],
        subject=f"{memorial_place(memorial)}: {level} % of a monthly allowance used",
        body=(
            f"{allowance_notice_text(kind=allowance.kind, level=level, quota=allowance.quota)}"
            f"\n\nNothing is lost either way: what is written and said is all kept. The plan "
            f"({allowance.plan_name}) and this month's use: {link}"
        ),
        memorial_id=memorial.id,
        topic=f"billing.allowance:{allowance.kind}:{level}",
    )
