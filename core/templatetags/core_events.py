"""`{% event_names %}`: the declared event kinds and socket close codes, for the page's JS."""

from __future__ import annotations

from django import template
from django.utils.html import json_script
from django.utils.safestring import SafeString

from core.events import event_names as declared_event_names

register = template.Library()

EVENT_NAMES_ID = "event-names"


@register.simple_tag
def event_names() -> SafeString:
    """A JSON script element, read by static/js/memorial-events.js and its listeners."""
    return json_script(declared_event_names(), EVENT_NAMES_ID)
