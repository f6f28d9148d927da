"""The death certificate: checked by its real type and size, kept encrypted in the file
store (`core.files`) as `memorials/<id>/activation/<activation id>.bin`."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404

from core.files import (
    memorial_file_chunks,
    memorial_file_delete,
    memorial_file_exists,
    memorial_file_save,
    memorial_files_delete,
)
from memorials.activation.rules import ActivationError
from memorials.models import ActivationRequest

CERTIFICATES = "activation"


def certificate_type_sniff(head: bytes) -> str | None:
    """The file's real type from its first bytes (never the browser's word for it)."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1"):
        return "image/heic"
    return None


def certificate_check(certificate: UploadedFile | None) -> str:
    """The certificate's content type; ActivationError if it is missing, too large, or
    neither a PDF nor an image."""
    if certificate is None or not certificate.size:
        raise ActivationError("Please add the death certificate: a PDF or a photo of it.")
    limit_mb = settings.DEATH_CERTIFICATE_MAX_MB
    if certificate.size > limit_mb * 1024 * 1024:
        raise ActivationError(f"The certificate file is too large: at most {limit_mb} MB.")
    certificate.seek(0)
    content_type = certificate_type_sniff(certificate.read(16))
    certificate.seek(0)
    if content_type is None:
        raise ActivationError("The certificate must be a PDF or an image (JPEG, PNG, WebP, HEIC).")
    return content_type


def certificate_store(
    *, memorial_id: uuid.UUID, activation_id: uuid.UUID, certificate: UploadedFile
) -> str:
    """Encrypt the certificate into the store; the name to keep on the activation."""
    return memorial_file_save(
        memorial_id=memorial_id,
        kind=CERTIFICATES,
        name=f"{activation_id}.bin",
        source=certificate,
    )


def certificate_exists(*, activation: ActivationRequest) -> bool:
    return memorial_file_exists(name=activation.certificate_path)


def certificate_delete(*, activation: ActivationRequest) -> None:
    memorial_file_delete(name=activation.certificate_path)


def certificates_delete(*, memorial_id: uuid.UUID) -> int:
    """Every certificate file of the memorial, partial ones included; how many."""
    return memorial_files_delete(memorial_id=memorial_id, kind=CERTIFICATES)


def activation_certificate_chunks(*, activation: ActivationRequest) -> Iterator[bytes]:
    """The decrypted certificate, chunk by chunk, for the people reviewing it; Http404 once
    it is no longer kept."""
    if not certificate_exists(activation=activation):
        raise Http404("The certificate is no longer kept.")
    return memorial_file_chunks(
        memorial_id=activation.memorial_id, name=activation.certificate_path
    )
