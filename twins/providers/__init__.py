"""LLM providers behind one small interface, chosen by `LEGACY_LLM_PROVIDER`.

`offline` (the default) needs no key and no network; `anthropic` and `openai` send the
persona and the retrieved passages to that service."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from twins.providers.base import (
    LlmMessage,
    LlmPrices,
    LlmProvider,
    LlmStream,
    LlmUnavailable,
    LlmUsage,
    PersonaPrompt,
)
from twins.providers.offline import OfflineLlmProvider


class LlmProviderUnavailable(ImproperlyConfigured):
    """No provider by that name is available, or it lacks its configuration."""


# Each SDK is imported when its provider is made: together they take ~2 s to import, which
# every process (a worker, a command) would otherwise spend at start with the offline default.
def _anthropic() -> LlmProvider:
    from twins.providers.anthropic import AnthropicLlmProvider

    if not settings.ANTHROPIC_API_KEY:
        raise LlmProviderUnavailable("LEGACY_LLM_PROVIDER=anthropic needs ANTHROPIC_API_KEY.")
    return AnthropicLlmProvider(
        api_key=settings.ANTHROPIC_API_KEY,
        model=settings.LEGACY_ANTHROPIC_MODEL,
        base_url=settings.LEGACY_ANTHROPIC_BASE_URL or None,
        timeout=settings.LEGACY_LLM_TIMEOUT_SECONDS,
        max_retries=settings.LEGACY_LLM_MAX_RETRIES,
        prices=LlmPrices.from_setting(settings.LEGACY_ANTHROPIC_PRICES),
    )


def _openai() -> LlmProvider:
    from twins.providers.openai_compatible import OpenAiCompatibleLlmProvider

    return OpenAiCompatibleLlmProvider(
        base_url=settings.LEGACY_OPENAI_BASE_URL,
        api_key=settings.LEGACY_OPENAI_API_KEY,
        model=settings.LEGACY_OPENAI_MODEL,
        timeout=settings.LEGACY_LLM_TIMEOUT_SECONDS,
        max_retries=settings.LEGACY_LLM_MAX_RETRIES,
        prices=LlmPrices.from_setting(settings.LEGACY_OPENAI_PRICES),
    )


PROVIDERS: dict[str, Callable[[], LlmProvider]] = {
    "offline": OfflineLlmProvider,
    "anthropic": _anthropic,
    "openai": _openai,
}


def llm_provider(name: str | None = None) -> LlmProvider:
    """The provider called `name`, or the configured one."""
    name = name or settings.LEGACY_LLM_PROVIDER
    factory = PROVIDERS.get(name)
    if factory is None:
        raise LlmProviderUnavailable(
            f"LLM provider “{name}” is not available (known: {', '.join(sorted(PROVIDERS))})."
        )
    return factory()


__all__ = [
    "LlmMessage",
    "LlmPrices",
    "LlmProvider",
    "LlmProviderUnavailable",
    "LlmStream",
    "LlmUnavailable",
    "LlmUsage",
    "PersonaPrompt",
    "llm_provider",
]
