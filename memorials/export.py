"""The subject's export: everything Legacy keeps about them, as one zip in open formats.

Every registered holder with an `export` writes its part (JSON, and original files
decrypted); this module adds the profile, the audit trail and a manifest.json listing each
file with its size, SHA-256 and the holder it came from, and a signed checkpoint of the
whole audit log's head (`core.audit`). The zip is written to an anonymous
temporary file (never whole in memory) and handed back positioned at its start.
"""

from __future__ import annotations

import hashlib
import json
import logging
import posixpath
import tempfile
import zipfile
from collections.abc import Iterable
from typing import IO, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from accounts.models import User
from core.audit import (
    audit_checkpoint_document,
    audit_checkpoint_sign,
    audit_events_for,
    audit_record,
)
from core.holders import holder_count, holders
from memorials.models import Memorial

logger = logging.getLogger(__name__)

FORMAT = "legacy.export/1"


class ExportPathInvalid(ValueError):
    pass


class ZipExportWriter:
    """An `ExportWriter` into a zip file, remembering every file for the manifest."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self._archive = archive
        self.source = ""  # the holder writing now
        self.files: list[dict[str, Any]] = []
        self._paths: set[str] = set()

    def _path(self, path: str) -> str:
        clean = posixpath.normpath(path.replace("\\", "/")).lstrip("/")
        if clean in ("", ".") or clean.startswith("..") or clean == "manifest.json":
            raise ExportPathInvalid(path)
        stem, dot, extension = clean.rpartition(".")
        candidate, number = clean, 1
        while candidate in self._paths:  # two files of the same name: keep both
            number += 1
            candidate = f"{stem} ({number}){dot}{extension}" if dot else f"{clean} ({number})"
        self._paths.add(candidate)
        return candidate

    def write_json(self, path: str, data: Any) -> None:
        encoded = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        self.write_bytes(path, [encoded.encode("utf-8")])

    def write_bytes(self, path: str, chunks: Iterable[bytes]) -> None:
        name = self._path(path)
        digest, size = hashlib.sha256(), 0
        with self._archive.open(name, "w", force_zip64=True) as target:
            for chunk in chunks:
                target.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        self.files.append(
            {"path": name, "bytes": size, "sha256": digest.hexdigest(), "source": self.source}
        )


def _profile(memorial: Memorial, user: User) -> dict[str, Any]:
    return {
        "account": {
            "email": user.email,
            "name": getattr(user, "full_name", ""),
            "joined_at": getattr(user, "date_joined", None),
        },
        "memorial": {
            "id": str(memorial.id),
            "name": memorial.name,
            "state": memorial.state,
            "state_changed_at": memorial.state_changed_at,
            "created_at": memorial.created_at,
        },
    }


def _audit_trail(memorial: Memorial) -> list[dict[str, Any]]:
    return [
        {
            "at": event.created_at,
            "action": event.action,
            "by": event.actor_label,
            "data": event.data,
        }
        for event in reversed(audit_events_for(memorial_id=memorial.id))
    ]


def memorial_export_build(*, memorial: Memorial, user: User) -> IO[bytes]:
    """Write the subject's export zip; audited as "export.downloaded". The caller closes
    the returned file (a FileResponse does)."""
    target = tempfile.TemporaryFile(suffix=".zip")  # noqa: SIM115 - handed to the caller
    kinds: list[dict[str, Any]] = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        writer = ZipExportWriter(archive)
        writer.source = "profile"
        writer.write_json("profile.json", _profile(memorial, user))
        writer.source = "core.audit"
        writer.write_json("audit/events.json", _audit_trail(memorial))
        for holder in holders():
            kind: dict[str, Any] = {"name": holder.name, "label": holder.label}
            kind["count"] = holder_count(holder, memorial.id)
            if holder.export is None:
                kind["exported"] = "not exported (nothing of yours to read in it)"
            else:
                writer.source = holder.name
                try:
                    holder.export(memorial.id, writer)
                    kind["exported"] = "yes"
                except Exception as error:
                    logger.exception("data holder %s failed to export", holder.name)
                    kind["exported"] = f"failed ({type(error).__name__}); ask us to try again"
            kinds.append(kind)
        manifest = {
            "format": FORMAT,
            "generated_at": timezone.now(),
            "memorial_id": str(memorial.id),
            "about": "Everything Legacy keeps about you and your memorial, in open formats: "
            "JSON files, and your original uploads as you gave them.",
            "kinds": kinds,
            "files": writer.files,
            # The audit log's head, signed now: this trail cannot later be cut short unseen.
            "audit_checkpoint": audit_checkpoint_document(audit_checkpoint_sign()),
        }
        archive.writestr(
            "manifest.json",
            json.dumps(manifest, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        )
    audit_record(
        action="export.downloaded",
        memorial_id=memorial.id,
        actor=user,
        data={"files": len(writer.files), "bytes": target.tell()},
    )
    target.seek(0)
    return target
