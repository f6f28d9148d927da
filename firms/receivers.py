"""What the firms app does itself when a client joins or leaves: the firm's seats follow
(`firms.seats.firm_seats_sync`). Connected in `FirmsConfig.ready`."""

from __future__ import annotations

from typing import Any

from firms.models import FirmClient
from firms.seats import firm_seats_sync


def seats_on_client_joined(sender: Any, *, client: FirmClient, **kwargs: Any) -> None:
    firm_seats_sync(firm=client.firm)


def seats_on_client_detached(sender: Any, *, client: FirmClient, **kwargs: Any) -> None:
    firm_seats_sync(firm=client.firm)
