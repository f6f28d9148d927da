"""Server-signed erasure certificates (Ed25519).

The signing key comes from LEGACY_SIGNING_KEY (the raw 32-byte Ed25519 private key,
urlsafe-base64) or, on the embedded default, is generated once into var/signing.key, like
the master key. A certificate travels as one JSON document:

    {"certificate": {...}, "algorithm": "Ed25519", "signature": "<b64>", "public_key": "<b64>"}

The signature covers the canonical JSON of "certificate" (sorted keys, no spaces, UTF-8).
Anyone can check it against the embedded public key; `signed_by_this_server` also tells
whether that key is this server's own (`manage.py erasure_certificate_verify FILE`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings

logger = logging.getLogger(__name__)

ALGORITHM = "Ed25519"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text.encode("ascii"))


def signing_key() -> Ed25519PrivateKey:
    """The server's Ed25519 signing key: from the environment, or generated once into var/."""
    if value := os.environ.get("LEGACY_SIGNING_KEY"):
        raw = _unb64(value)
    else:
        path = Path(settings.VAR_DIR) / "signing.key"
        if not path.exists():
            generated = Ed25519PrivateKey.generate().private_bytes_raw()
            path.write_bytes(base64.urlsafe_b64encode(generated))
            path.chmod(0o600)
            logger.warning(
                "Generated a new certificate signing key at %s. In production set "
                "LEGACY_SIGNING_KEY instead, so certificates stay verifiable.",
                path,
            )
        raw = _unb64(path.read_text().strip())
    if len(raw) != 32:
        raise ValueError("The signing key must be 32 bytes, urlsafe-base64 encoded.")
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_key_text(key: Ed25519PublicKey | None = None) -> str:
    """The server's (or `key`'s) raw public key, urlsafe-base64."""
    key = key or signing_key().public_key()
    return _b64(key.public_bytes(Encoding.Raw, PublicFormat.Raw))


def public_key_fingerprint(public_key: str) -> str:
    return hashlib.sha256(_unb64(public_key)).hexdigest()[:32]


def canonical_bytes(certificate: dict[str, Any]) -> bytes:
    return json.dumps(
        certificate, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode("utf-8")


@dataclass(frozen=True)
class SignedCertificate:
    certificate: dict[str, Any]
    signature: str
    public_key: str

    def document(self) -> dict[str, Any]:
        """The downloadable form: certificate, algorithm, signature and public key."""
        return {
            "certificate": self.certificate,
            "algorithm": ALGORITHM,
            "signature": self.signature,
            "public_key": self.public_key,
        }


def certificate_sign(*, certificate: dict[str, Any]) -> SignedCertificate:
    # Round-trip through JSON first, so what is stored (JSONField) is exactly what was signed.
    certificate = json.loads(canonical_bytes(certificate))
    key = signing_key()
    return SignedCertificate(
        certificate=certificate,
        signature=_b64(key.sign(canonical_bytes(certificate))),
        public_key=public_key_text(key.public_key()),
    )


@dataclass(frozen=True)
class CertificateVerification:
    valid: bool  # the signature matches the certificate and the key it names
    signed_by_this_server: bool  # ... and that key is this server's signing key
    reason: str = ""


def certificate_verify(
    *, document: dict[str, Any], trusted_public_key: str | None = None
) -> CertificateVerification:
    """Check a downloaded certificate document. `trusted_public_key` defaults to this
    server's own; a valid signature by another key is valid but not signed by us."""
    try:
        certificate = document["certificate"]
        signature = _unb64(document["signature"])
        public_key = document["public_key"]
        key = Ed25519PublicKey.from_public_bytes(_unb64(public_key))
    except (KeyError, TypeError, ValueError) as error:
        return CertificateVerification(False, False, f"not a certificate document: {error}")
    if document.get("algorithm", ALGORITHM) != ALGORITHM:
        return CertificateVerification(False, False, "unknown signature algorithm")
    try:
        key.verify(signature, canonical_bytes(certificate))
    except InvalidSignature:
        return CertificateVerification(False, False, "the signature does not match")
    trusted = trusted_public_key or public_key_text()
    if public_key != trusted:
        return CertificateVerification(True, False, "signed by a key that is not this server's")
    return CertificateVerification(True, True)
