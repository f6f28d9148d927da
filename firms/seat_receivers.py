"""What the firms app does itself when a client joins or leaves (the firm's seats follow:
`firms.seats.firm_seats_sync`), and when a client's own subscription is paid (they pay for
themselves: the seat is released). `seat_receivers_connect` (from `FirmsConfig.ready`)
connects them and registers the firm's sponsor hooks into billing."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save

from billing.models import Subscription
from billing.sponsors import sponsor_mirror_register, sponsor_register
from firms.client_billing import client_seat_released_tell
from firms.models import FirmClient
from firms.seats import (
    PAID,
    client_pays_self,
    firm_seats_sync,
    firm_sponsorship,
    firm_subscription_mirror,
)
from firms.signals import client_detached, client_joined


def seats_on_client_joined(sender: Any, *, client: FirmClient, **kwargs: Any) -> None:
    firm_seats_sync(firm=client.firm)


def seats_on_client_detached(sender: Any, *, client: FirmClient, **kwargs: Any) -> None:
    firm_seats_sync(firm=client.firm)


def seat_released_when_client_pays(sender: Any, *, instance: Subscription, **kwargs: Any) -> None:
    """A client whose own subscription is paid pays for themselves: the firm's seat is
    released, and the firm's billing staff are told (one query when the memorial is no firm's
    client)."""
    if instance.status not in PAID:
        return
    clients = FirmClient.objects.filter(
        memorial_id=instance.memorial_id, paid_by_firm=True, detached_at__isnull=True
    ).select_related("firm")
    for client in clients:
        client_pays_self(client=client, actor=instance.payer)
        client_seat_released_tell(client=client, subscription_id=instance.pk)


def seat_receivers_connect() -> None:
    uid = "firms.seats"
    client_joined.connect(seats_on_client_joined, dispatch_uid=f"{uid}.joined")
    client_detached.connect(seats_on_client_detached, dispatch_uid=f"{uid}.detached")
    post_save.connect(
        seat_released_when_client_pays, sender=Subscription, dispatch_uid=f"{uid}.client_pays"
    )
    sponsor_register(firm_sponsorship)
    sponsor_mirror_register(firm_subscription_mirror)
