"""What the firms app does itself when a client joins or leaves (the firm's seats follow:
`firms.seats.firm_seats_sync`), and when a client's own subscription is paid (they pay for
themselves: the seat is released). Connected in `FirmsConfig.ready`."""

from __future__ import annotations

from typing import Any

from billing.models import Subscription
from firms.models import FirmClient
from firms.seats import PAID, client_pays_self, firm_seats_sync


def seats_on_client_joined(sender: Any, *, client: FirmClient, **kwargs: Any) -> None:
    firm_seats_sync(firm=client.firm)


def seats_on_client_detached(sender: Any, *, client: FirmClient, **kwargs: Any) -> None:
    firm_seats_sync(firm=client.firm)


def seat_released_when_client_pays(sender: Any, *, instance: Subscription, **kwargs: Any) -> None:
    """A client whose own subscription is paid pays for themselves: the firm's seat is
    released (one query when the memorial is no firm's client)."""
    if instance.status not in PAID:
        return
    clients = FirmClient.objects.filter(
        memorial_id=instance.memorial_id, paid_by_firm=True, detached_at__isnull=True
    ).select_related("firm")
    for client in clients:
        client_pays_self(client=client, actor=instance.payer)
