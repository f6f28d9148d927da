"""A firm's brand as its clients see it: on their pages (beside Legacy's) and in the mail
sent in the firm's name (`core.mail.MailBrand`)."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from core.mail import MailBrand
from firms.models import Firm, FirmClient


@dataclass(frozen=True)
class Brand:
    name: str
    colour: str  # "#rrggbb", or empty for the house colour
    logo_url: str  # a path on this site, or empty
    sender_name: str
    css_url: str = ""  # the firm's colour as a stylesheet (`firms:brand_css`)

    def for_mail(self) -> MailBrand:
        logo = settings.SITE_URL.rstrip("/") + self.logo_url if self.logo_url else ""
        return MailBrand(
            name=self.name, colour=self.colour, logo_url=logo, sender_name=self.sender_name
        )


def _version(value: str) -> str:
    """A short tag that changes with `value`, so a browser's cached logo or colours (served
    public, for a few minutes) are not shown after the firm changed them."""
    return hashlib.sha256(value.encode()).hexdigest()[:10]


def firm_logo_url(firm: Firm) -> str:
    if not firm.brand_logo_path:
        return ""
    url = reverse("firms:logo", kwargs={"slug": firm.slug})
    return f"{url}?v={_version(firm.brand_logo_path)}"


def firm_brand_css_url(firm: Firm) -> str:
    url = reverse("firms:brand_css", kwargs={"slug": firm.slug})
    return f"{url}?v={_version(firm.brand_colour)}"


def firm_brand(firm: Firm) -> Brand:
    return Brand(
        name=firm.name,
        colour=firm.brand_colour,
        logo_url=firm_logo_url(firm),
        sender_name=firm.sender_name or firm.name,
        css_url=firm_brand_css_url(firm),
    )


def firm_brand_for_memorial(
    memorial_id: uuid.UUID | str, *, user_id: uuid.UUID | None = None
) -> Brand | None:
    """The brand of the firm attached to the memorial (its client has not detached it and
    the firm is open), or None. With `user_id`, only when that person is the client (the
    memorial's subject, who accepted the firm's invitation). One query."""
    clients = FirmClient.objects.filter(
        memorial_id=memorial_id, detached_at__isnull=True, firm__closed_at__isnull=True
    )
    if user_id is not None:
        clients = clients.filter(user_id=user_id)
    client = clients.select_related("firm").order_by("accepted_at").first()
    return firm_brand(client.firm) if client is not None else None
