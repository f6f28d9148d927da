"""Run by test_memory_budget.py in a process of its own, as a worker would: ingest a small
upload to warm up (Django, the embedding model), then the upload under test, then one more,
and print as JSON how far resident memory rose above the warmed-up baseline while the upload
under test was read.

The peak is Linux's own high-water mark of this process's resident memory (VmHWM), reset to
the current size once warmed up (`/proc/self/clear_refs`, "5"), so it catches every spike,
however short. (getrusage's ru_maxrss cannot be reset, and a child started by fork and exec
inherits its parent's: the test process's.)

Started as `python -c "import django; django.setup(); import runpy; runpy.run_module(...)"`
so that Django is set up before this module's imports run.
"""

from __future__ import annotations

import gc
import json
import sys
from pathlib import Path

from corpus.services.ingest import upload_ingest

_STATUS = Path("/proc/self/status")


def memory_mb(field: str) -> float:
    """VmRSS (resident now) or VmHWM (its peak), in MB."""
    for line in _STATUS.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024  # kB
    raise LookupError(field)


def main(warm_up: str, measured: str, after: str) -> None:
    upload_ingest(upload_id=warm_up)
    gc.collect()
    baseline = memory_mb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from here
    upload_ingest(upload_id=measured)
    peak = memory_mb("VmHWM")
    upload_ingest(upload_id=after)
    print(json.dumps({"baseline_mb": baseline, "peak_above_baseline_mb": peak - baseline}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
