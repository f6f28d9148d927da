"""Zip archives: each member is extracted to a temporary file and read on its own, one at a
time, its documents given one by one before the next member is extracted.

Archives are untrusted: they are opened and decompressed under the upload's one set of limits
(`archive_limits`), members are streamed to disk one at a time, never held whole in memory,
and extracted under temporary names, so their paths are never trusted either.

Photos, audio and video are not writing: they are skipped, and counted in one outcome named
after the archive so the person can see that they were left out on purpose.
"""

from __future__ import annotations

import logging
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

from .archive_limits import ArchiveBudget, MemberRefused, archive_open, member_extract
from .base import FileReading, ParseError, ReadProgress
from .names import display_safe

logger = logging.getLogger(__name__)

MEDIA_SUFFIXES = frozenset(
    [
        ".jpg",
        ".jpeg",
        ".png",
        ".gif",
        ".heic",
        ".heif",
        ".webp",
        ".bmp",
        ".tif",
        ".tiff",
        ".svg",
        ".ico",
        ".mp4",
        ".mov",
        ".m4v",
        ".avi",
        ".mkv",
        ".webm",
        ".3gp",
        ".wmv",
        ".mp3",
        ".m4a",
        ".aac",
        ".wav",
        ".flac",
        ".ogg",
        ".oga",
        ".opus",
        ".amr",
        ".wma",
    ]
)
_JUNK_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini"})

ReadMember = Callable[..., Iterator[FileReading]]


def parse_zip(
    path: Path,
    name: str,
    *,
    read_member: ReadMember,
    budget: ArchiveBudget,
    progress: ReadProgress,
    depth: int = 0,
) -> Iterator[FileReading]:
    """One reading per member. `read_member(path, name, depth=, budget=, progress=)` reads an
    extracted member (and recurses into nested zips). Raises ParseError, before giving any
    reading, for an archive that cannot be opened or is over the limits as a whole."""
    with archive_open(path, budget=budget, depth=depth, kind="zip file") as archive:
        members = _members_to_read(archive, budget)
        # This archive's file is replaced, in the count of files, by its members.
        progress.files_total += max(len(members), 1) - 1
        media_count, given = 0, 0
        with tempfile.TemporaryDirectory(prefix="legacy-zip-") as workdir:
            for info in members:
                if _is_media(info.filename):
                    media_count += 1
                    progress.files_done += 1
                    continue
                for reading in _read_one(
                    archive, info, name, Path(workdir), read_member, depth, budget, progress
                ):
                    given += 1
                    yield reading
                    reading.close()  # read to the end by now; its temporary file goes next
    if media_count:
        given += 1
        yield FileReading(
            name=name,
            format="zip",
            error=f"skipped: {media_count} photos and media files are not used.",
        )
    if not given:
        raise ParseError("This zip archive has no files in it that Legacy can read.")


def _members_to_read(archive: zipfile.ZipFile, budget: ArchiveBudget) -> list[zipfile.ZipInfo]:
    members = [info for info in archive.infolist() if not _is_skipped(info)]
    declared = sum(info.file_size for info in members if not _is_media(info.filename))
    if declared > budget.bytes_left:  # the headers can lie; extraction counts again
        raise ParseError(
            f"This zip archive expands to more than {budget.limits.max_total_bytes // 1024**3} GB, "
            "more than Legacy accepts in one upload."
        )
    return members


def _read_one(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    archive_name: str,
    workdir: Path,
    read_member: ReadMember,
    depth: int,
    budget: ArchiveBudget,
    progress: ReadProgress,
) -> Iterator[FileReading]:
    member_name = f"{archive_name}/{display_safe(info.filename)}"
    target = workdir / f"member{PurePosixPath(info.filename).suffix[:16]}"
    try:
        try:
            member_extract(archive, info, target, budget=budget)
        except MemberRefused as refusal:
            yield FileReading(name=member_name, error=str(refusal), progress=progress)
            return
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
            logger.info("damaged zip member %s: %s", member_name, error)
            yield FileReading(
                name=member_name, error="This file inside the zip is damaged.", progress=progress
            )
            return
        yield from read_member(
            target, member_name, depth=depth + 1, budget=budget, progress=progress
        )
    finally:
        target.unlink(missing_ok=True)


def _is_skipped(info: zipfile.ZipInfo) -> bool:
    path = PurePosixPath(info.filename)
    return (
        info.is_dir()
        or "__MACOSX" in path.parts
        or path.name.lower() in _JUNK_NAMES
        or path.name.startswith("._")  # macOS resource forks
    )


def _is_media(filename: str) -> bool:
    return PurePosixPath(filename).suffix.lower() in MEDIA_SUFFIXES
