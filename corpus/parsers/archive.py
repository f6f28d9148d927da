"""Zip archives: each member is extracted to a temporary file and parsed on its own.

Archives are untrusted, so they are opened with limits: on the number of entries, on the total
and per-member size, on the compression ratio of large members (a zip bomb expands a few KB
into gigabytes), and on nesting depth. Members are streamed to disk one at a time, never held
whole in memory, and extracted under temporary names, so their paths are never trusted either.

Photos, audio and video are not writing: they are skipped, and counted in one outcome named
after the archive so the person can see that they were left out on purpose.
"""

from __future__ import annotations

import logging
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .base import FileOutcome, ParseError

logger = logging.getLogger(__name__)

MAX_ENTRIES = 20_000
MAX_TOTAL_BYTES = 4 * 1024**3
MAX_MEMBER_BYTES = 1024**3
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_ABOVE_BYTES = 1024**2  # small files compress well innocently (a blank page)
MAX_DEPTH = 2  # an upload may hold zips inside zips, two levels down

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
_CHUNK_BYTES = 1024 * 1024

ParseMember = Callable[..., list[FileOutcome]]


@dataclass(frozen=True)
class ZipLimits:
    max_entries: int = MAX_ENTRIES
    max_total_bytes: int = MAX_TOTAL_BYTES
    max_member_bytes: int = MAX_MEMBER_BYTES
    max_ratio: float = MAX_COMPRESSION_RATIO
    ratio_checked_above: int = RATIO_CHECKED_ABOVE_BYTES
    max_depth: int = MAX_DEPTH


@dataclass
class ZipBudget:
    """What one upload may still extract, shared by the archives nested in it."""

    limits: ZipLimits = field(default_factory=ZipLimits)
    bytes_left: int = -1
    entries_left: int = -1

    def __post_init__(self) -> None:
        if self.bytes_left < 0:
            self.bytes_left = self.limits.max_total_bytes
        if self.entries_left < 0:
            self.entries_left = self.limits.max_entries


class _MemberRefused(Exception):
    pass


def parse_zip(
    path: Path,
    name: str,
    *,
    parse_member: ParseMember,
    depth: int = 0,
    budget: ZipBudget | None = None,
) -> list[FileOutcome]:
    """One outcome per member. `parse_member(path, name, depth=..., budget=...)` parses an
    extracted member (and recurses into nested zips)."""
    budget = budget or ZipBudget()
    if depth > budget.limits.max_depth:
        raise ParseError(
            f"This zip archive is nested more than {budget.limits.max_depth} levels deep "
            "inside others; please upload it on its own."
        )
    try:
        with zipfile.ZipFile(path) as archive:
            members = _members_to_read(archive, budget)
            outcomes, media_count = [], 0
            with tempfile.TemporaryDirectory(prefix="legacy-zip-") as workdir:
                for info in members:
                    if _is_media(info.filename):
                        media_count += 1
                        continue
                    outcomes.extend(
                        _parse_one(archive, info, name, Path(workdir), parse_member, depth, budget)
                    )
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise ParseError("This zip archive is damaged or incomplete.") from error
    if media_count:
        outcomes.append(
            FileOutcome(
                name=name,
                format="zip",
                error=f"skipped: {media_count} photos and media files are not used.",
            )
        )
    if not outcomes:
        raise ParseError("This zip archive has no files in it that Legacy can read.")
    return outcomes


def _members_to_read(archive: zipfile.ZipFile, budget: ZipBudget) -> list[zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > budget.entries_left:
        raise ParseError(
            f"This zip archive has too many files ({len(infos)}; "
            f"the limit is {budget.limits.max_entries})."
        )
    budget.entries_left -= len(infos)
    members = [info for info in infos if not _is_skipped(info)]
    declared = sum(info.file_size for info in members if not _is_media(info.filename))
    if declared > budget.bytes_left:
        raise ParseError(
            f"This zip archive expands to more than {budget.limits.max_total_bytes // 1024**3} GB, "
            "more than Legacy accepts in one upload."
        )
    return members


def _parse_one(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    archive_name: str,
    workdir: Path,
    parse_member: ParseMember,
    depth: int,
    budget: ZipBudget,
) -> list[FileOutcome]:
    member_name = f"{archive_name}/{info.filename}"
    target = workdir / f"member{PurePosixPath(info.filename).suffix[:16]}"
    try:
        _extract(archive, info, target, budget)
        return parse_member(target, member_name, depth=depth + 1, budget=budget)
    except _MemberRefused as refusal:
        return [FileOutcome(name=member_name, error=str(refusal))]
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
        logger.info("damaged zip member %s: %s", member_name, error)
        return [FileOutcome(name=member_name, error="This file inside the zip is damaged.")]
    except Exception:
        # A bug in one parser must not lose the archive's other files; it is logged to fix.
        logger.exception("unexpected error parsing zip member %s", member_name)
        return [
            FileOutcome(
                name=member_name, error="Legacy could not read this file (an error on our side)."
            )
        ]
    finally:
        target.unlink(missing_ok=True)


def _extract(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: ZipBudget
) -> None:
    limits = budget.limits
    if info.flag_bits & 0x1:
        raise _MemberRefused("This file inside the zip is password-protected.")
    if info.file_size > limits.max_member_bytes:
        raise _MemberRefused(
            f"refused: this file is too large ({info.file_size // 1024**2} MB uncompressed)."
        )
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > limits.ratio_checked_above and ratio > limits.max_ratio:
        raise _MemberRefused(
            f"refused: this file would expand {ratio:.0f} times its packed size, "
            "which is how zip bombs behave."
        )
    written = 0
    with archive.open(info) as source, target.open("wb") as sink:
        while chunk := source.read(_CHUNK_BYTES):
            written += len(chunk)
            # Sizes in the zip's headers can lie; count what really comes out.
            if written > min(limits.max_member_bytes, budget.bytes_left):
                raise _MemberRefused("refused: this file expands beyond Legacy's size limits.")
            sink.write(chunk)
    budget.bytes_left -= written


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
