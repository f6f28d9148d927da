"""Tests run on the same real Postgres and Redis; only what must differ differs."""

import os
import uuid

# A queue of this run's own, so a test worker never takes another run's tasks
# (nor `make run`'s). setdefault: worker subprocesses inherit the same name.
os.environ.setdefault("LEGACY_CELERY_QUEUE", f"test-{uuid.uuid4().hex[:10]}")
# Under pytest-xdist each test process has a queue (and channel prefix) of its own: the
# controller's name is inherited by every process it starts, so each adds its worker id.
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _xdist_worker and not os.environ["LEGACY_CELERY_QUEUE"].endswith(f"-{_xdist_worker}"):
    os.environ["LEGACY_CELERY_QUEUE"] += f"-{_xdist_worker}"

from legacy.settings.base import *  # noqa: F403, E402
from legacy.settings.base import CHANNEL_LAYERS, REDIS_URL, VAR_DIR, Path  # noqa: E402

# One queue for everything: a test's worker (tests/conftest.py) takes replies too.
CELERY_REPLY_QUEUE = os.environ.get("LEGACY_CELERY_REPLY_QUEUE", os.environ["LEGACY_CELERY_QUEUE"])
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The app's own layer, with a prefix of this test process's own.
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": CHANNEL_LAYERS["default"]["BACKEND"],
        "CONFIG": {"hosts": [REDIS_URL], "prefix": "legacy-" + os.environ["LEGACY_CELERY_QUEUE"]},
    }
}
# The offline voice takes most of a second a sentence: conversation tests are text only, and
# the voice's own tests turn speech on with a zero-latency provider (tests/voice; a server or
# worker they start is told so through the environment).
LEGACY_SPEAK_REPLIES = os.environ.get("LEGACY_SPEAK_REPLIES", "0") == "1"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or VAR_DIR / "test-media")
# Memorials with no subscription get the interactive plan's allowances, so the other apps'
# tests talk and speak freely; tests/billing sets it back to free (and tells the workers and
# servers it starts through the environment).
BILLING_PLAN_WITHOUT_SUBSCRIPTION = os.environ.get(
    "LEGACY_PLAN_WITHOUT_SUBSCRIPTION", "interactive"
)
