"""Who else pays for a memorial: another app (an estate-planning firm's seat) registers a
lookup here, and `billing.entitlements.plan_state` asks it when the memorial's own
subscription gives it no plan. Billing names no sponsor's code: a sponsor registers itself
(`sponsor_register`) in its own app's `ready()`.

A sponsor's lookup answers for one memorial with `Sponsorship` (the plan it pays for and
that plan's state, in billing's words) or None; it costs one query. A sponsor whose own
subscription is held at the payment provider also registers a mirror
(`sponsor_mirror_register`): the provider's webhooks then reach it for a subscription that is
the sponsor's, not a memorial's."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from billing.providers import RemoteSubscription


@dataclass(frozen=True)
class Sponsorship:
    plan_id: int
    status: str  # billing.SubscriptionStatus of the sponsor's own subscription
    grace_until: datetime | None  # for an overdue payment: the plan holds until then
    sponsor_name: str
    # The sponsor's page where the memorial's subject takes over paying ("" for none): the
    # memorial's billing page links to it.
    pay_self_url: str = ""


SponsorLookup = Callable[[uuid.UUID | str], Sponsorship | None]
# Mirror the provider's current state of a subscription if it is the sponsor's; True if so.
SponsorMirror = Callable[[RemoteSubscription], bool]

_lookups: list[SponsorLookup] = []
_mirrors: list[SponsorMirror] = []


def sponsor_register(lookup: SponsorLookup) -> None:
    """Add a sponsor's lookup (once: registering the same function again changes nothing)."""
    if lookup not in _lookups:
        _lookups.append(lookup)


def sponsorship_for(memorial_id: uuid.UUID | str) -> Sponsorship | None:
    """The first sponsor that pays for the memorial, or None (no query when none is
    registered)."""
    for lookup in _lookups:
        found = lookup(memorial_id)
        if found is not None:
            return found
    return None


def sponsor_mirror_register(mirror: SponsorMirror) -> None:
    if mirror not in _mirrors:
        _mirrors.append(mirror)


def sponsor_subscription_mirror(remote: RemoteSubscription) -> bool:
    """Whether a sponsor took (and mirrored) the provider's subscription `remote`."""
    return any(mirror(remote) for mirror in _mirrors)
