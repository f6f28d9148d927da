"""The encrypted file store: ciphertext only, each memorial's files readable with its own key
alone, the backend taken from settings, and a memorial's files deleted on any backend."""

from __future__ import annotations

import io
import os
import tracemalloc
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings

from core.crypto import DecryptionFailed, memorial_cipher
from core.files import (
    FileNameInvalid,
    memorial_file_chunks,
    memorial_file_decrypted,
    memorial_file_delete,
    memorial_file_exists,
    memorial_file_save,
    memorial_file_storage,
    memorial_files_count,
    memorial_files_delete,
)
from core.holders import holders
from tests.memorials.factories import MemorialFactory

pytestmark = pytest.mark.django_db

LETTER = b"Dear George, the roses by the shed are out. " * 60_000  # 2.6 MB: three chunks


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def filesystem_storages(location: Path) -> dict:
    return {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        "memorial_files": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }


IN_MEMORY = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "memorial_files": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
}


def test_a_file_round_trips_and_is_only_ciphertext_at_rest(media_root):
    memorial = MemorialFactory()
    # when a file is saved
    name = memorial_file_save(
        memorial_id=memorial.id, kind="letters", name="a.enc", source=io.BytesIO(LETTER)
    )
    # then it is named by memorial and kind, in the private folder under MEDIA_ROOT
    assert name == f"memorials/{memorial.id}/letters/a.enc"
    on_disk = media_root / name
    assert on_disk.stat().st_mode & 0o777 == 0o600
    assert on_disk.parent.stat().st_mode & 0o777 == 0o700
    # and nothing of it is readable there
    raw = on_disk.read_bytes()
    assert b"Dear George" not in raw and b"roses" not in raw
    assert len(raw) > len(LETTER)
    # while it reads back whole, chunk by chunk
    chunks = list(memorial_file_chunks(memorial_id=memorial.id, name=name))
    assert len(chunks) == 3 and b"".join(chunks) == LETTER


def test_a_decrypted_copy_is_private_and_removed_on_exit():
    memorial = MemorialFactory()
    name = memorial_file_save(
        memorial_id=memorial.id, kind="uploads", name="b.enc", source=io.BytesIO(LETTER)
    )
    with (
        pytest.raises(RuntimeError),
        memorial_file_decrypted(memorial_id=memorial.id, name=name, suffix=".txt") as plain,
    ):
        assert plain.suffix == ".txt" and plain.read_bytes() == LETTER
        assert plain.parent.stat().st_mode & 0o777 == 0o700
        raise RuntimeError("a parser fails")
    assert not plain.exists() and not plain.parent.exists()


def test_another_memorials_key_cannot_read_it():
    mine, theirs = MemorialFactory(), MemorialFactory()
    name = memorial_file_save(
        memorial_id=mine.id, kind="uploads", name="c.enc", source=io.BytesIO(b"my diary")
    )
    # asking for my file under their memorial is refused by name
    with pytest.raises(FileNameInvalid):
        list(memorial_file_chunks(memorial_id=theirs.id, name=name))
    # and my ciphertext copied into their folder does not open with their key
    storage = memorial_file_storage()
    with storage.open(name, "rb") as stored:
        moved = storage.save(f"memorials/{theirs.id}/uploads/c.enc", ContentFile(stored.read()))
    with pytest.raises(DecryptionFailed):
        list(memorial_file_chunks(memorial_id=theirs.id, name=moved))


@pytest.mark.parametrize("kind", ["", "..", "a/b", "x\\y"])
def test_kinds_and_names_are_single_plain_segments(kind):
    memorial = MemorialFactory()
    with pytest.raises(FileNameInvalid):
        memorial_file_save(memorial_id=memorial.id, kind=kind, name="a", source=io.BytesIO(b"x"))
    with pytest.raises(FileNameInvalid):
        memorial_file_save(memorial_id=memorial.id, kind="ok", name=kind, source=io.BytesIO(b"x"))


def test_the_backend_comes_from_settings(tmp_path, media_root):
    memorial = MemorialFactory()
    elsewhere = tmp_path / "elsewhere"
    with override_settings(STORAGES=filesystem_storages(elsewhere)):
        name = memorial_file_save(
            memorial_id=memorial.id, kind="uploads", name="d.enc", source=io.BytesIO(LETTER)
        )
        assert b"".join(memorial_file_chunks(memorial_id=memorial.id, name=name)) == LETTER
    assert (elsewhere / name).is_file()
    assert not (media_root / name).exists()
    assert not memorial_file_exists(name=name)  # the default backend holds no such file


def test_saving_a_large_file_never_holds_it_whole_in_memory(tmp_path):
    memorial = MemorialFactory()
    source_path = tmp_path / "big.bin"
    with source_path.open("wb") as out:
        for _ in range(24):
            out.write(os.urandom(1024 * 1024))
    memorial_cipher(memorial_id=memorial.id)  # its key is made before measuring
    with source_path.open("rb") as source:
        tracemalloc.start()
        try:
            name = memorial_file_save(
                memorial_id=memorial.id, kind="voice", name="e.enc", source=source
            )
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 8 * 1024 * 1024, f"peak {peak} bytes for a 24 MB file"
    assert memorial_file_exists(name=name)


def fill(memorial_id, kinds=("uploads", "activation")) -> list[str]:
    return [
        memorial_file_save(memorial_id=memorial_id, kind=kind, name=f"{kind}.enc",
                           source=io.BytesIO(b"content"))
        for kind in kinds
    ]  # fmt: skip


def test_a_memorials_files_are_deleted_with_their_folders_and_no_one_elses(media_root):
    memorial, other = MemorialFactory(), MemorialFactory()
    fill(memorial.id)
    kept = fill(other.id)
    # one kind
    assert memorial_files_delete(memorial_id=memorial.id, kind="activation") == 1
    assert not (media_root / "memorials" / str(memorial.id) / "activation").exists()
    assert memorial_files_count(memorial_id=memorial.id) == 1
    # then the rest, and the memorial's folder
    assert memorial_files_delete(memorial_id=memorial.id) == 1
    assert not (media_root / "memorials" / str(memorial.id)).exists()
    assert all(memorial_file_exists(name=name) for name in kept)
    # deleting what is not there is no error
    assert memorial_files_delete(memorial_id=memorial.id) == 0
    memorial_file_delete(name=kept[0])
    memorial_file_delete(name=kept[0])
    memorial_file_delete(name="")
    assert memorial_files_count(memorial_id=other.id) == 1


@override_settings(STORAGES=IN_MEMORY)
def test_a_backend_without_local_paths_works_too(media_root):
    memorial = MemorialFactory()
    names = fill(memorial.id)
    assert not media_root.exists()  # nothing went to the disk
    assert b"".join(memorial_file_chunks(memorial_id=memorial.id, name=names[0])) == b"content"
    assert memorial_files_count(memorial_id=memorial.id) == 2
    assert memorial_files_delete(memorial_id=memorial.id) == 2
    assert memorial_files_count(memorial_id=memorial.id) == 0


def test_the_kill_switch_holder_takes_what_no_app_holder_knew(media_root):
    memorial = MemorialFactory()
    fill(memorial.id, kinds=("crash-leftovers",))
    holder = next(h for h in holders() if h.name == "core.memorial_files")
    assert holder.count(memorial.id) == 1
    assert holder.erase(memorial.id) == 1
    assert holder.count(memorial.id) == 0
    assert not (media_root / "memorials" / str(memorial.id)).exists()
