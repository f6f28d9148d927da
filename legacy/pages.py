"""The site's own pages that are about no one memorial: the privacy page (which names the
outside services this installation is set up to use, from settings) and the favicon."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_GET


@dataclass(frozen=True)
class OutsideService:
    role: str  # what it is used for, in a phrase
    name: str  # who receives the data
    sends: str  # what is sent, in a phrase


def _language_model() -> OutsideService | None:
    provider = settings.LEGACY_LLM_PROVIDER
    sends = "the passages a task needs and the recent conversation, to compose each reply"
    if provider == "anthropic":
        host = urlsplit(settings.LEGACY_ANTHROPIC_BASE_URL).hostname or "Anthropic (Claude)"
        return OutsideService("Building twins and composing their replies", host, sends)
    if provider == "openai":
        host = urlsplit(settings.LEGACY_OPENAI_BASE_URL).hostname or "an OpenAI-compatible server"
        if host in {"127.0.0.1", "localhost", "::1"}:
            host = "a language model server on this same machine"
        return OutsideService("Building twins and composing their replies", host, sends)
    return None


def _voice() -> OutsideService | None:
    if settings.LEGACY_VOICE_PROVIDER == "elevenlabs":
        return OutsideService(
            "Speaking with a subject's voice, and hearing spoken messages",
            "ElevenLabs",
            "a few of the subject's recordings (to make a copy of their voice), the twin's "
            "replies to be spoken, and what a visitor says aloud",
        )
    return None


def _mail() -> OutsideService | None:
    host = getattr(settings, "EMAIL_HOST", "")
    if settings.EMAIL_BACKEND.endswith("smtp.EmailBackend") and host:
        return OutsideService(
            "Sending mail", host, "your email address, your name and the mail's words"
        )
    return None


def outside_services() -> list[OutsideService]:
    """The services outside this server that this installation's settings send anything to;
    empty when it runs with the offline defaults."""
    return [s for s in (_language_model(), _voice(), _mail()) if s is not None]


@require_GET
def privacy_page(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/privacy.html", {"outside_services": outside_services()})


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says: the icon is in static/."""
    return redirect(static("img/favicon.ico"), permanent=True)
