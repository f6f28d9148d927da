"""For sockets that use a consent scope (conversations): close when it is withdrawn.

`consent_revoke` sends {"kind": "consent.revoked", "data": {"scope": ...}} to every member's
sockets (core.events). A consumer that joined the memorial's members group and uses a scope
mixes in `ConsentBoundConsumerMixin`, lists its scopes, and starts its `memorial_event`
handler with::

    if await self.consent_revocation_close(event):
        return
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from core.events import EventKind, SocketClose

CONSENT_REVOKED_EVENT = EventKind.CONSENT_REVOKED
CLOSE_CONSENT_REVOKED = SocketClose.CONSENT_REVOKED

REVOKED_NOTICE = (
    "The consent this conversation relied on has just been withdrawn, so it ends here. "
    "Nothing more from it will be used or kept."
)


def consent_revocation_applies(event: dict[str, Any], scopes: Iterable[str]) -> bool:
    """Does this memorial event withdraw one of `scopes`?"""
    return event.get("kind") == CONSENT_REVOKED_EVENT and (event.get("data") or {}).get(
        "scope"
    ) in set(scopes)


class ConsentBoundConsumerMixin:
    """For AsyncJsonWebsocketConsumer subclasses that rely on `consent_scopes`."""

    consent_scopes: tuple[str, ...] = ()

    async def consent_revocation_close(self, event: dict[str, Any]) -> bool:
        """If `event` withdraws one of our scopes: tell the browser, close, return True."""
        if not consent_revocation_applies(event, self.consent_scopes):
            return False
        scope = event["data"]["scope"]
        await self.send_json(  # type: ignore[attr-defined]
            {"kind": CONSENT_REVOKED_EVENT, "data": {"scope": scope, "message": REVOKED_NOTICE}}
        )
        await self.close(code=CLOSE_CONSENT_REVOKED)  # type: ignore[attr-defined]
        return True
