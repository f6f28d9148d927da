"""Every real export in ../shared/data/exports, uploaded as one batch: each file is read or
rejected with a specific message, and no file stops the others."""

from __future__ import annotations

import io
import zipfile

import pytest

from corpus.models import Passage, UploadStatus
from tests.conftest import SHARED_DATA
from tests.corpus.conftest import ingest, outcomes

pytestmark = pytest.mark.django_db
EXPORTS = SHARED_DATA / "exports"


@pytest.mark.skipif(not EXPORTS.exists(), reason="../shared/data/exports is not here")
def test_every_shared_export_is_read_or_clearly_rejected(memorial):
    buffer = io.BytesIO()
    files = sorted(p for p in EXPORTS.rglob("*") if p.is_file() and p.name != "LICENSE")
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, str(path.relative_to(EXPORTS)))
    done = ingest(memorial, "exports.zip", buffer.getvalue())
    assert done.status == UploadStatus.DONE, done.error
    read = [o for o in outcomes(done) if not o["error"]]
    rejected = [o for o in outcomes(done) if o["error"]]
    assert all(o["documents"] + o["duplicates"] > 0 for o in read)
    assert all(len(o["error"]) > 15 and o["name"] for o in rejected)
    assert len(read) > len(rejected)
    assert Passage.objects.filter(memorial=memorial).count() == done.passages_count > 100
