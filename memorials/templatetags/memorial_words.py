"""How templates name a memorial to its people: `{{ memorial|place }}` ("Ann's Legacy" while Ann
lives, "Ann's memorial" after) and `{{ memorial|noun }}` ("Legacy" / "memorial"), from
`memorials.naming`."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from memorials.models import Memorial
from memorials.naming import memorial_noun

register = template.Library()


@register.filter
def place(memorial: Memorial) -> str:
    """The name is the person's own writing, escaped; the rest is ours."""
    return format_html("{}'s {}", memorial.name, memorial_noun(memorial))


@register.filter
def noun(memorial: Memorial) -> str:
    return memorial_noun(memorial)
