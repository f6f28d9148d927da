"""Mail a firm sends (to its clients, its staff, or about them), in the firm's name and
brand, through the one outbox (`core.mail`).

A mail about a client who has a memorial is encrypted under that memorial's key, so the
kill switch leaves it unreadable. A mail with no memorial yet (an invitation to a client or
to staff) is encrypted under a key of the firm's own, kept in the same key table under the
firm's id."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from core.mail import mail_send_on_commit
from core.models import OutboundMail
from firms.branding import firm_brand
from firms.models import Firm


def firm_mail_send_on_commit(
    *,
    firm: Firm,
    to: Iterable[str],
    subject: str,
    template: str,
    context: dict[str, Any] | None = None,
    memorial_id: uuid.UUID | None = None,
    topic: str = "",
) -> list[OutboundMail]:
    """Send after commit, in `firm`'s name; `context` also gets `firm` and `brand`."""
    brand = firm_brand(firm)
    return mail_send_on_commit(
        to=to,
        subject=subject,
        template=template,
        context={"firm": firm, "brand": brand, **(context or {})},
        memorial_id=memorial_id or firm.id,
        topic=topic,
        brand=brand.for_mail(),
    )
