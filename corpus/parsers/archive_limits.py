"""The one set of limits every archive-based upload is read under: zips, Word (.docx) files
(a zip of XML inside), and any later format that is a zip inside.

Archives are untrusted, and nothing they say about themselves is believed: a member's size
in the zip's headers can lie, so members are decompressed as a stream and counted as the
bytes come out, and stopped as soon as they pass a limit:
- the total uncompressed bytes of one upload, shared by every archive in it (nested zips, a
  .docx inside a zip);
- the number of members of one upload;
- the uncompressed size of one member;
- each member's expansion ratio, at any size: a zip bomb of many 1 MB members is as much a
  bomb as one of a single 1 GB member. A small allowance keeps tiny, innocently compressible
  files (an empty page's XML) from being refused;
- how deeply archives nest inside one another (a .docx counts as an archive).
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .base import ParseError
from .names import display_safe

CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class ArchiveLimits:
    max_members: int = 20_000
    max_total_bytes: int = 4 * 1024**3
    max_member_bytes: int = 1024**3
    max_ratio: float = 100
    ratio_allowance_bytes: int = 16 * 1024  # a member may always expand by this much
    max_depth: int = 2  # an upload may hold archives inside archives, two levels down


@dataclass
class ArchiveBudget:
    """What one upload has read from archives so far, against its limits."""

    limits: ArchiveLimits = field(default_factory=ArchiveLimits)
    bytes_read: int = 0
    members_seen: int = 0

    @property
    def bytes_left(self) -> int:
        return self.limits.max_total_bytes - self.bytes_read


class MemberRefused(Exception):
    """One member over a limit: "refused: this file <reason>.", shown on that member; the
    archive's other members are still read."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"refused: this file {reason}.")
        self.reason = reason


def archive_open(path: Path, *, budget: ArchiveBudget, depth: int, kind: str) -> zipfile.ZipFile:
    """The archive at `path`, once its nesting depth and member count are within the limits.
    `kind` names it in messages ("zip file", "Word document")."""
    limits = budget.limits
    if depth > limits.max_depth:
        raise ParseError(
            f"This {kind} is nested more than {limits.max_depth} levels deep inside other "
            "archives; please upload it on its own."
        )
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as error:
        raise ParseError(f"This {kind} is damaged or incomplete.") from error
    count = len(archive.infolist())
    if budget.members_seen + count > limits.max_members:
        archive.close()
        raise ParseError(
            f"This {kind} has too many files in it ({count:,}; one upload may hold "
            f"{limits.max_members:,})."
        )
    budget.members_seen += count
    return archive


def member_chunks(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    *,
    budget: ArchiveBudget,
    max_bytes: int | None = None,
) -> Iterator[bytes]:
    """A member's decompressed bytes, chunk by chunk, charged to the upload's budget; raises
    MemberRefused as soon as it passes a limit. `max_bytes` tightens the per-member limit
    (for parts a library will hold whole in memory)."""
    limits = budget.limits
    member_limit = min(limits.max_member_bytes, max_bytes or limits.max_member_bytes)
    if info.flag_bits & 0x1:
        raise MemberRefused("is password-protected")
    if info.file_size > member_limit:  # a cheap early refusal; the stream is counted anyway
        raise MemberRefused(_too_large(member_limit))
    # compress_size bounds what zipfile reads from the archive, so this ratio cannot lie.
    ratio_limit = limits.max_ratio * info.compress_size + limits.ratio_allowance_bytes
    written = 0
    with archive.open(info) as source:
        while chunk := source.read(CHUNK_BYTES):
            written += len(chunk)
            if written > ratio_limit:
                raise MemberRefused(
                    f"would expand more than {limits.max_ratio:.0f} times its packed size, "
                    "which is how zip bombs behave"
                )
            if written > member_limit:
                raise MemberRefused(_too_large(member_limit))
            if len(chunk) > budget.bytes_left:
                raise MemberRefused(
                    "takes this upload past the "
                    f"{_size(limits.max_total_bytes)} Legacy reads from one upload, unpacked"
                )
            budget.bytes_read += len(chunk)
            yield chunk


def member_extract(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, *, budget: ArchiveBudget
) -> None:
    """Stream one member to `target` on disk (never whole in memory), within the limits."""
    with target.open("wb") as sink:
        for chunk in member_chunks(archive, info, budget=budget):
            sink.write(chunk)


def archive_check(
    path: Path, *, budget: ArchiveBudget, depth: int, kind: str, max_member_bytes: int
) -> dict[str, int]:
    """For formats a library reads straight from the zip (python-docx): every member is
    decompressed once, counted and thrown away, so the library is only ever handed an
    archive within the limits. Returns each member's counted size; raises ParseError naming
    the first member over a limit."""
    sizes: dict[str, int] = {}
    with archive_open(path, budget=budget, depth=depth, kind=kind) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            size = 0
            try:
                for chunk in member_chunks(
                    archive, info, budget=budget, max_bytes=max_member_bytes
                ):
                    size += len(chunk)
            except MemberRefused as refusal:
                name = display_safe(info.filename)
                raise ParseError(
                    f"This {kind} was refused: the part {name} inside it {refusal.reason}."
                ) from refusal
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
                raise ParseError(f"This {kind} is damaged or incomplete.") from error
            sizes[info.filename] = size
    return sizes


def _too_large(limit: int) -> str:
    return f"is too large (more than {_size(limit)} unpacked)"


def _size(size: int) -> str:
    if size >= 1024**3:
        return f"{size / 1024**3:.1f} GB"
    if size >= 1024**2:
        return f"{size / 1024**2:.0f} MB"
    return f"{max(size, 1) / 1024:.0f} KB"
