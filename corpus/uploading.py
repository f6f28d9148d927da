"""Receiving uploaded files: always to a temporary file in chunks (never whole in memory),
and stopped as soon as one passes the size limit."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import SkipFile, TemporaryFileUploadHandler


def max_file_bytes() -> int:
    return int(settings.CORPUS_MAX_FILE_MB) * 1024 * 1024


class CorpusUploadHandler(TemporaryFileUploadHandler):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.too_large: list[str] = []
        self._received = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self._received += len(raw_data)
        if self._received > max_file_bytes():
            self.too_large.append(self.file_name or "file")
            self.file.close()  # the temporary file is removed on close
            raise SkipFile
        return super().receive_data_chunk(raw_data, start)
