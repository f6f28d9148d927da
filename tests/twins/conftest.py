from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.twins.fake_llm_server import FakeLlmServer


@pytest.fixture
def fake_llm(settings) -> Iterator[FakeLlmServer]:
    """A fake Anthropic and OpenAI-compatible server, with the providers pointed at it."""
    server = FakeLlmServer().start()
    settings.ANTHROPIC_API_KEY = "sk-ant-test"
    settings.LEGACY_ANTHROPIC_BASE_URL = server.url
    settings.LEGACY_ANTHROPIC_MODEL = "claude-test"
    settings.LEGACY_ANTHROPIC_PRICES = ["3", "15", "0.30", "3.75"]
    settings.LEGACY_OPENAI_BASE_URL = f"{server.url}/v1"
    settings.LEGACY_OPENAI_MODEL = "llama-test"
    settings.LEGACY_OPENAI_PRICES = ["1", "2"]
    settings.LEGACY_LLM_TIMEOUT_SECONDS = 0.5
    settings.LEGACY_LLM_MAX_RETRIES = 1
    yield server
    server.stop()
