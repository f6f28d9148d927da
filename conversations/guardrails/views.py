"""The published protocol (issue 12, point 1; California SB 243 asks operators of companion
chatbots to publish theirs): how Legacy handles suicide, self-harm and crisis, in plain
words, on a public page that needs no account."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from conversations.guardrails.helplines import country_choices, helplines_table


@require_GET
def safety_protocol(request: HttpRequest) -> HttpResponse:
    """The protocol page, the same for everyone, signed in or not: every country of the
    maintained table of helplines the conversations use (`helplines.helplines_table`)."""
    countries = helplines_table()["countries"]
    helplines = [countries[code] for code, _ in country_choices()]
    return render(request, "safety/protocol.html", {"helplines": helplines})
