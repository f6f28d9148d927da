"""Uploaded files on disk: encrypted at rest under MEDIA_ROOT/memorials/<id>/uploads/.

A file is encrypted chunk by chunk as it is stored and decrypted chunk by chunk into a private
temporary file while the parsers read it (parsers need a path); that copy is removed as soon as
parsing ends, whatever happens.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, cast

from django.conf import settings
from django.core.files import File

from core.crypto import memorial_cipher

_HASH_CHUNK_BYTES = 1024 * 1024


def uploads_dir(*, memorial_id: uuid.UUID) -> Path:
    return Path(settings.MEDIA_ROOT) / "memorials" / str(memorial_id) / "uploads"


def file_sha256(source: BinaryIO | File) -> str:
    digest = hashlib.sha256()
    source.seek(0)
    while chunk := source.read(_HASH_CHUNK_BYTES):
        digest.update(chunk)
    source.seek(0)
    return digest.hexdigest()


def upload_file_store(
    *, memorial_id: uuid.UUID, upload_id: uuid.UUID, source: BinaryIO | File
) -> str:
    """Encrypt `source` into the memorial's uploads folder; the path relative to MEDIA_ROOT."""
    folder = uploads_dir(memorial_id=memorial_id)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = folder / f"{upload_id}.enc"
    partial = target.with_suffix(".partial")
    source.seek(0)
    with partial.open("wb") as out:
        memorial_cipher(memorial_id=memorial_id).encrypt_stream(cast(BinaryIO, source), out)
    partial.replace(target)  # never a half-written file under the final name
    return str(target.relative_to(settings.MEDIA_ROOT))


def upload_file_path(relative: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


@contextmanager
def upload_file_decrypted(
    *, memorial_id: uuid.UUID, relative: str, suffix: str = ""
) -> Iterator[Path]:
    """A private plaintext copy of an upload, for the parsers; removed on exit."""
    folder = Path(tempfile.mkdtemp(prefix="legacy-corpus-"))  # mode 0700
    try:
        plain = folder / f"upload{suffix}"
        with upload_file_path(relative).open("rb") as source, plain.open("wb") as out:
            for chunk in memorial_cipher(memorial_id=memorial_id).decrypt_stream(source):
                out.write(chunk)
        yield plain
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def upload_file_chunks(*, memorial_id: uuid.UUID, relative: str) -> Iterator[bytes]:
    """The original file, decrypted chunk by chunk (for the export)."""
    with upload_file_path(relative).open("rb") as source:
        yield from memorial_cipher(memorial_id=memorial_id).decrypt_stream(source)


def upload_file_delete(relative: str) -> None:
    if relative:
        upload_file_path(relative).unlink(missing_ok=True)


def memorial_uploads_delete(*, memorial_id: uuid.UUID) -> None:
    shutil.rmtree(uploads_dir(memorial_id=memorial_id), ignore_errors=True)
