"""The conversation benches' Celery worker: the real worker (`celery -A legacy worker`), in its
own process, on the bench's database and queue, with the zero-latency fake provider installed
(`convbench.fast_provider_install`). `convbench.replies_in_worker()` starts it with
`--include convworker`; imported by the worker, this module installs the provider."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from convbench import fast_provider_install
from spans import WORKER, spans_install

fast_provider_install()
spans_install(WORKER)  # with LEGACY_BENCH_SPANS only
