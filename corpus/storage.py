"""Uploaded files, kept in the encrypted file store (`core.files`) as
`memorials/<id>/uploads/<upload id>.enc`; `Upload.path` holds that name.

A file is encrypted chunk by chunk as it is stored and decrypted into a private temporary file
while the parsers read it (parsers need a path); that copy is removed as soon as parsing ends,
whatever happens.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import BinaryIO

from django.core.files import File

from core.files import (
    memorial_file_chunks,
    memorial_file_decrypted,
    memorial_file_delete,
    memorial_file_save,
    memorial_files_delete,
)

UPLOADS = "uploads"
_HASH_CHUNK_BYTES = 1024 * 1024


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
    """Encrypt `source` into the store; the name to keep in `Upload.path`."""
    return memorial_file_save(
        memorial_id=memorial_id, kind=UPLOADS, name=f"{upload_id}.enc", source=source
    )


def upload_file_decrypted(
    *, memorial_id: uuid.UUID, relative: str, suffix: str = ""
) -> AbstractContextManager[Path]:
    """A private plaintext copy of an upload, for the parsers; removed on exit."""
    return memorial_file_decrypted(memorial_id=memorial_id, name=relative, suffix=suffix)


def upload_file_chunks(*, memorial_id: uuid.UUID, relative: str) -> Iterator[bytes]:
    """The original file, decrypted chunk by chunk (for the export)."""
    return memorial_file_chunks(memorial_id=memorial_id, name=relative)


def upload_file_delete(relative: str) -> None:
    memorial_file_delete(name=relative)


def memorial_uploads_delete(*, memorial_id: uuid.UUID) -> None:
    """Every upload file of the memorial, partial ones included."""
    memorial_files_delete(memorial_id=memorial_id, kind=UPLOADS)
