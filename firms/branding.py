"""A firm's brand as its clients see it: on their pages (beside Legacy's) and in the mail
sent in the firm's name (`core.mail.MailBrand`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from core.mail import MailBrand
from firms.models import Firm


@dataclass(frozen=True)
class Brand:
    name: str
    colour: str  # "#rrggbb", or empty for the house colour
    logo_url: str  # a path on this site, or empty
    sender_name: str

    def for_mail(self) -> MailBrand:
        logo = settings.SITE_URL.rstrip("/") + self.logo_url if self.logo_url else ""
        return MailBrand(
            name=self.name, colour=self.colour, logo_url=logo, sender_name=self.sender_name
        )


def firm_logo_url(firm: Firm) -> str:
    if not firm.brand_logo_path:
        return ""
    return reverse("firms:logo", kwargs={"slug": firm.slug})


def firm_brand(firm: Firm) -> Brand:
    return Brand(
        name=firm.name,
        colour=firm.brand_colour,
        logo_url=firm_logo_url(firm),
        sender_name=firm.sender_name or firm.name,
    )
