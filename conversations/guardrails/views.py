"""The published protocol (issue 12, point 1; California SB 243 asks operators of companion
chatbots to publish theirs): how Legacy handles suicide, self-harm and crisis, in plain
words, on a public page that needs no account."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

# The crisis lines the page names, in the shape of the guardrails' maintained table of
# helplines (country -> name, emergency, lines), for the countries the issue names first.
# The conversation itself shows the lines for the visitor's own country from that table.
PROTOCOL_HELPLINES: list[dict[str, Any]] = [
    {"name": "the United States", "emergency": "911", "lines": [
        {"name": "988 Suicide & Crisis Lifeline", "phone": "988", "text": "988",
         "url": "https://988lifeline.org"},
    ]},
    {"name": "Canada", "emergency": "911", "lines": [
        {"name": "9-8-8 Suicide Crisis Helpline", "phone": "988", "text": "988",
         "url": "https://988.ca"},
    ]},
    {"name": "the United Kingdom", "emergency": "999", "lines": [
        {"name": "Samaritans", "phone": "116 123", "url": "https://www.samaritans.org"},
        {"name": "Shout", "text": "85258 (text SHOUT)", "url": "https://giveusashout.org"},
    ]},
    {"name": "Ireland", "emergency": "112", "lines": [
        {"name": "Samaritans", "phone": "116 123", "url": "https://www.samaritans.org/ireland/"},
        {"name": "Pieta", "phone": "1800 247 247", "text": "51444 (text HELP)",
         "url": "https://www.pieta.ie"},
    ]},
    {"name": "Australia", "emergency": "000", "lines": [
        {"name": "Lifeline", "phone": "13 11 14", "text": "0477 13 11 14",
         "url": "https://www.lifeline.org.au"},
    ]},
    {"name": "New Zealand", "emergency": "111", "lines": [
        {"name": "Need to talk? 1737", "phone": "1737", "text": "1737",
         "url": "https://1737.org.nz"},
    ]},
]  # fmt: skip


@require_GET
def safety_protocol(request: HttpRequest) -> HttpResponse:
    """The protocol page, the same for everyone, signed in or not."""
    return render(request, "safety/protocol.html", {"helplines": PROTOCOL_HELPLINES})
