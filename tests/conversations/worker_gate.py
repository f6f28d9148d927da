"""Imported by a real Celery worker a test starts (`celery worker --include`): the twin's
replies come from the gated test provider, held under `LEGACY_TEST_HOLD_DIR`."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conversations.gated_llm import gated_provider_install

gated_provider_install(Path(os.environ["LEGACY_TEST_HOLD_DIR"]))
