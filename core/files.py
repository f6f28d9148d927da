"""The encrypted file store: every memorial file (uploads, death certificates, and any later
kind) is kept here, as ciphertext under the memorial's own key.

The backend is Django's storage `storages["memorial_files"]` (settings.STORAGES): a
FileSystemStorage at MEDIA_ROOT by default; an S3-compatible store through django-storages is
configuration (README, "Files"). Nothing here assumes a local disk, except that empty folders
left by a deletion are removed where the backend has them (`Storage.path` works).

A file is named `memorials/<memorial id>/<kind>/<name>`. It is encrypted chunk by chunk
(`MemorialCipher.encrypt_stream`) into an anonymous temporary file, which the storage then
saves, so a file is never whole in memory and plaintext never reaches the store.
"""

from __future__ import annotations

import logging
import os
import posixpath
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, cast

from django.core.files import File
from django.core.files.storage import Storage, storages

from core.crypto import memorial_cipher
from core.holders import DataHolder, holder_register

logger = logging.getLogger(__name__)

STORAGE_ALIAS = "memorial_files"
ROOT = "memorials"


class FileNameInvalid(ValueError):
    """A kind or name that is not one plain path segment, or a file of another memorial."""


def memorial_file_storage() -> Storage:
    """The configured backend (looked up each time, so a settings change is followed)."""
    return storages[STORAGE_ALIAS]


def _segment(value: str) -> str:
    if not value or value in (".", "..") or "/" in value or "\\" in value or "\0" in value:
        raise FileNameInvalid(f"not a plain file or folder name: {value!r}")
    return value


def memorial_folder(*, memorial_id: uuid.UUID | str, kind: str | None = None) -> str:
    """The memorial's folder in the store (or its `kind` subfolder), without a trailing slash."""
    folder = f"{ROOT}/{_segment(str(memorial_id))}"
    return f"{folder}/{_segment(kind)}" if kind is not None else folder


def _owned(*, memorial_id: uuid.UUID | str, name: str) -> str:
    clean = posixpath.normpath(name)
    if clean != name or not name.startswith(memorial_folder(memorial_id=memorial_id) + "/"):
        raise FileNameInvalid(f"{name!r} is not a file of memorial {memorial_id}")
    return name


def memorial_file_save(
    *, memorial_id: uuid.UUID, kind: str, name: str, source: BinaryIO | File
) -> str:
    """Encrypt `source` (read from its start) into `memorials/<id>/<kind>/<name>`. Returns the
    name the storage gave it, which is what to keep on the row."""
    target = f"{memorial_folder(memorial_id=memorial_id, kind=kind)}/{_segment(name)}"
    cipher = memorial_cipher(memorial_id=memorial_id)
    source.seek(0)
    with tempfile.TemporaryFile(prefix="legacy-sealed-") as sealed:
        cipher.encrypt_stream(cast(BinaryIO, source), sealed)
        sealed.seek(0)
        return memorial_file_storage().save(target, File(sealed, name=target))


def memorial_file_exists(*, name: str) -> bool:
    return bool(name) and memorial_file_storage().exists(name)


def memorial_file_chunks(*, memorial_id: uuid.UUID, name: str) -> Iterator[bytes]:
    """The file decrypted, chunk by chunk. The memorial's key opens only its own files: a
    file of another memorial fails (FileNameInvalid, or DecryptionFailed if moved)."""
    _owned(memorial_id=memorial_id, name=name)
    cipher = memorial_cipher(memorial_id=memorial_id)
    with memorial_file_storage().open(name, "rb") as source:
        yield from cipher.decrypt_stream(cast(BinaryIO, source))


@contextmanager
def memorial_file_decrypted(
    *, memorial_id: uuid.UUID, name: str, suffix: str = ""
) -> Iterator[Path]:
    """A private plaintext copy of the file (in a fresh 0700 temporary folder), for code that
    needs a path, such as the parsers; removed on exit, whatever happens."""
    folder = Path(tempfile.mkdtemp(prefix="legacy-plain-"))
    try:
        plain = folder / f"file{suffix}"
        with plain.open("wb") as out:
            for chunk in memorial_file_chunks(memorial_id=memorial_id, name=name):
                out.write(chunk)
        yield plain
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def memorial_file_delete(*, name: str) -> None:
    """Delete one file; a missing file (or no name) is not an error."""
    if name:
        memorial_file_storage().delete(name)


def _walk(storage: Storage, folder: str) -> Iterator[str]:
    """Every file under `folder`, through `listdir` only (so any backend will do)."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for file_name in files:
        yield f"{folder}/{file_name}"
    for child in folders:
        yield from _walk(storage, f"{folder}/{child}")


def memorial_files_count(*, memorial_id: uuid.UUID | str, kind: str | None = None) -> int:
    folder = memorial_folder(memorial_id=memorial_id, kind=kind)
    return sum(1 for _ in _walk(memorial_file_storage(), folder))


def _empty_folders_remove(storage: Storage, folder: str) -> None:
    """A filesystem backend keeps folders after their files go; the memorial's id must not
    stay behind as a folder name. Backends without folders (object stores) have no path."""
    try:
        local = Path(storage.path(folder))
    except NotImplementedError:
        return
    if not local.is_dir():
        return
    for directory, _, _ in sorted(os.walk(local), key=lambda entry: -len(entry[0])):
        try:
            os.rmdir(directory)
        except OSError:
            logger.warning("folder %s is not empty after its files were deleted", directory)


def memorial_files_delete(*, memorial_id: uuid.UUID | str, kind: str | None = None) -> int:
    """Delete every file of the memorial (or of one `kind`), partial ones included, and the
    folders that held them. Returns how many files were deleted."""
    storage = memorial_file_storage()
    folder = memorial_folder(memorial_id=memorial_id, kind=kind)
    deleted = 0
    for name in list(_walk(storage, folder)):
        storage.delete(name)
        deleted += 1
    _empty_folders_remove(storage, folder)
    return deleted


def _files_count(memorial_id: uuid.UUID) -> int:
    return memorial_files_count(memorial_id=memorial_id)


def _files_erase(memorial_id: uuid.UUID) -> int:
    """Whatever the apps' own holders left in the memorial's folder (a partial file of a
    crash, a kind no holder knows) goes, and the folder with it."""
    deleted = memorial_files_delete(memorial_id=memorial_id)
    if memorial_files_count(memorial_id=memorial_id):
        raise OSError("files of the memorial are still in the store")
    return deleted


def memorial_files_holder_register() -> None:
    holder_register(
        DataHolder(
            name="core.memorial_files",
            label="other files of your memorial",
            count=_files_count,
            erase=_files_erase,
            order=950,  # after the apps' holders, which delete the files they know
        )
    )
