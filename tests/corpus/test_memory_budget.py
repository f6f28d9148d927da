"""Hostile uploads are refused, or read, within a worker's memory budget: each is ingested in a
process of its own (`memory_probe.py`) whose peak resident memory above its warmed-up baseline
must stay under 300 MB, with a clear message on that file and the rest of the batch read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings

from corpus.models import Document, Upload, UploadStatus
from tests.conftest import REPO, worker_database_url
from tests.corpus import nasty_files
from tests.corpus.conftest import (
    SAMPLE_CHAT,
    clear,
    outcomes,
    upload,
    whatsapp_export,
    zip_of,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BUDGET_MB = 300
# A worker that has read a chat and a letter before: the embedding model loaded, and its
# working memory grown to a full batch of prose passages (a fixed cost, paid once).
_LETTER = "\n\n".join(
    f"Paragraph {n}: " + "the garden was lovely this year " * 30 for n in range(600)
)
WARM_UP = zip_of({"chat.txt": whatsapp_export(SAMPLE_CHAT), "letter.txt": _LETTER.encode()})
_PROBE = (
    "import django; django.setup(); import runpy; "
    "runpy.run_module('tests.corpus.memory_probe', run_name='__main__')"
)


def chat(topic: str) -> bytes:
    start = datetime(2021, 5, 1, 9, 0)
    return whatsapp_export(
        [(start + timedelta(minutes=n), "Ann Smith", f"{topic} line {n}") for n in range(5)]
    )


def ingested_within_budget(memorial, name: str, content: bytes) -> tuple[Upload, Upload, float]:
    """Ingest `content` in a worker-like process between two small chats; (its upload, the
    chat after it, the peak MB above baseline)."""
    warm_up, _ = upload(memorial, "warm-up.zip", WARM_UP)
    measured, _ = upload(memorial, name, content)
    after, _ = upload(memorial, "after.txt", chat(f"after {name}"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "legacy.settings.test",
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "LEGACY_CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
    }
    probe = subprocess.run(
        [sys.executable, "-c", _PROBE, str(warm_up.id), str(measured.id), str(after.id)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    peak = json.loads(probe.stdout.strip().splitlines()[-1])["peak_above_baseline_mb"]
    measured.refresh_from_db()
    after.refresh_from_db()
    assert after.status == UploadStatus.DONE, after.error  # the worker went on
    print(f"{name}: peak {peak:.1f} MB above baseline")
    return measured, after, peak


def file_bytes(tmp_path: Path, build: Callable[[Path], Path]) -> bytes:
    return build(tmp_path / "nasty").read_bytes()


def test_docx_bomb_is_refused_within_the_budget(memorial, tmp_path):
    content = file_bytes(tmp_path, lambda path: nasty_files.docx_bomb(path, xml_mb=68))
    assert len(content) < 400 * 1024  # ~270 KB on disk for 68 MB of XML

    docx, _, peak = ingested_within_budget(memorial, "letters.docx", content)

    assert peak < BUDGET_MB
    assert docx.status == UploadStatus.FAILED
    assert docx.error.startswith("This Word document was refused: the part word/document.xml")
    assert not Document.objects.filter(upload=docx).exists()


def test_flat_zip_bomb_of_many_1_mb_members_is_refused_member_by_member(memorial, tmp_path):
    good = {"diary.md": "# 2021-03-04\nPlanted the beans by the shed.\n"}
    content = file_bytes(
        tmp_path, lambda path: nasty_files.flat_zip_bomb(path, members=120, good=good)
    )
    assert len(content) < 600 * 1024

    archive, _, peak = ingested_within_budget(memorial, "notes.zip", content)

    assert peak < BUDGET_MB
    assert archive.status == UploadStatus.DONE
    errors = {outcome["name"]: outcome["error"] for outcome in outcomes(archive)}
    assert errors.pop("notes.zip/diary.md") == ""
    assert len(errors) == 120
    assert all("zip bombs" in error for error in errors.values())
    stored = Document.objects.filter(upload=archive)
    assert [clear(memorial.id, d.source_path_encrypted) for d in stored] == ["notes.zip/diary.md"]


def test_pdf_page_with_a_huge_content_stream_is_skipped_and_the_rest_read(memorial, tmp_path):
    content = file_bytes(
        tmp_path,
        lambda path: nasty_files.pdf_huge_content_stream(
            path, stream_mb=200, last_page_text="Letters to Fanny, page two."
        ),
    )
    assert len(content) < 2 * 1024 * 1024

    pdf, _, peak = ingested_within_budget(memorial, "letters.pdf", content)

    assert peak < BUDGET_MB
    assert pdf.status == UploadStatus.DONE
    [outcome] = outcomes(pdf)
    assert outcome["documents"] == 1
    assert outcome["error"].startswith("skipped: page 1 is too large to read")


def test_a_30_mb_single_line_is_read_in_bounded_pieces(memorial, tmp_path):
    content = file_bytes(tmp_path, lambda path: nasty_files.single_line_text(path, mb=30))

    text, _, peak = ingested_within_budget(memorial, "dump.txt", content)

    assert peak < BUDGET_MB
    assert text.status == UploadStatus.DONE, text.error
    assert text.documents_done == text.documents_total > 30  # cut into bounded documents
    assert outcomes(text)[0]["error"] == ""
