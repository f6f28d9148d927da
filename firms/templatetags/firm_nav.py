"""`{% firm_nav staff %}`: the firm's navigation for one member of staff."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from firms.access import staff_may
from firms.models import FirmStaff
from firms.nav import FIRM_NAV

register = template.Library()


@register.inclusion_tag("firms/_nav.html", takes_context=True)
def firm_nav(context: dict[str, Any], staff: FirmStaff) -> dict[str, Any]:
    path = context["request"].path if "request" in context else ""
    items = []
    for item in FIRM_NAV:
        if not staff_may(staff=staff, power=item.power):
            continue
        url = reverse(item.url_name, kwargs={"slug": staff.firm.slug})
        items.append({"label": item.label, "url": url, "current": path == url})
    return {"items": items, "firm": staff.firm}
