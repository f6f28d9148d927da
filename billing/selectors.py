"""Reads about who pays for a memorial and what its subscription is."""

from __future__ import annotations

import uuid

from accounts.models import User
from billing.models import Subscription
from memorials.models import Memorial
from memorials.naming import memorial_subject_living


def subscription_get(*, memorial_id: uuid.UUID | str) -> Subscription | None:
    return (
        Subscription.objects.select_related("plan", "price", "payer", "memorial")
        .filter(memorial_id=memorial_id)
        .first()
    )


def subscription_payer(sub: Subscription) -> User | None:
    """Who pays: the one recorded, else the subject while they live."""
    if sub.payer_id is not None:
        return sub.payer
    return sub.memorial.subject if memorial_subject_living(sub.memorial) else None


def payer_for(*, memorial: Memorial) -> User | None:
    """Who is told about the memorial's plan: its subscription's payer, else the subject
    while they live."""
    sub = subscription_get(memorial_id=memorial.id)
    if sub is not None:
        return subscription_payer(sub)
    return memorial.subject if memorial_subject_living(memorial) else None
