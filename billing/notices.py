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


def allowance_notice_text(*, kind: str, level: int, quota: int | None) -> str:
    label = str(AllowanceKind(kind).label).lower()
    if level >= 100:
        return (
            f"This month's {label} ({quota}) are all used. Conversations of that kind pause "
            f"until next month, or start again at once with a larger plan."
        )
    return f"{level} % of this month's {label} ({quota}) are used."


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
