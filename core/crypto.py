"""Encryption at rest: every memorial's content under its own data key.

The data key is random (AES-256) and stored only wrapped (AES-GCM) by the master key, which
comes from LEGACY_MASTER_KEY or, on the embedded default, is generated once into
var/master.key. Destroying a memorial's data key makes every copy of its ciphertext
unreadable, backups included (crypto-shredding).

What must stay searchable cannot be encrypted, but it can be keyed: sub-keys derived from the
data key with HKDF-SHA256, one per purpose (`KeyPurpose`), key the full-text tokens, the
secret rotation of the vectors and the dedup digests of content (`MemorialCipher.derived_key`,
`MemorialCipher.content_digest`). Where a value must be matched for equality (a name against
the subject's identities, an invitee's address), a keyed hash of it
(`MemorialCipher.keyed_hash`) is stored beside its ciphertext: equal values hash alike within
one memorial. They exist only while the data key does: destroying it destroys them all.

Ciphertext layout: 1 version byte, 12-byte nonce, AES-GCM ciphertext+tag; the memorial's id
is the associated data, so a ciphertext cannot be moved to another memorial.
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import hmac
import logging
import os
import uuid
from collections.abc import Iterable, Iterator, Mapping
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from core.holders import DataHolder, holder_register
from core.models import MemorialKey

logger = logging.getLogger(__name__)

VERSION = b"\x01"
NONCE_BYTES = 12
FILE_CHUNK_BYTES = 1024 * 1024
_MASTER_AAD = b"legacy-memorial-key"


class KeyPurpose(StrEnum):
    """What a key derived from a memorial's data key is for: each has its own (HKDF `info`)."""

    LEXEMES = "lexemes"  # full-text tokens (corpus.search_keys)
    VECTOR_ROTATION = "vector-rotation"  # the secret rotation of embedding vectors
    FILE_HASH = "file-hash"  # keyed digests of files and documents, for dedup


class KeyDestroyed(Exception):
    """This memorial's data key was destroyed: its content is gone for good."""


class DecryptionFailed(Exception):
    """Ciphertext that does not belong to this memorial, or was tampered with."""


def master_key() -> bytes:
    if value := os.environ.get("LEGACY_MASTER_KEY"):
        key = base64.urlsafe_b64decode(value)
    else:
        path = Path(settings.VAR_DIR) / "master.key"
        if not path.exists():
            path.write_bytes(base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)))
            path.chmod(0o600)
            logger.warning(
                "Generated a new master key at %s. Back it up: without it, every memorial's "
                "content is unreadable. In production set LEGACY_MASTER_KEY instead.",
                path,
            )
        key = base64.urlsafe_b64decode(path.read_bytes())
    if len(key) != 32:
        raise ValueError("The master key must be 32 bytes, urlsafe-base64 encoded.")
    return key


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _open(key: bytes, token: bytes, aad: bytes) -> bytes:
    if token[:1] != VERSION:
        raise DecryptionFailed("unknown ciphertext version")
    nonce, body = token[1 : 1 + NONCE_BYTES], token[1 + NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, body, aad)
    except InvalidTag as error:
        raise DecryptionFailed("ciphertext does not match this memorial's key") from error


def memorial_key_wrap_new() -> bytes:
    """A fresh data key, wrapped by the master key: what a memorial's key row stores."""
    return _seal(master_key(), AESGCM.generate_key(bit_length=256), _MASTER_AAD)


def memorial_key_ensure(*, memorial_id: uuid.UUID) -> MemorialKey:
    """The memorial's key row, created with a fresh data key on first use."""
    key = MemorialKey.objects.filter(memorial_id=memorial_id).first()
    if key is not None:
        return key
    with transaction.atomic():
        key, _ = MemorialKey.objects.get_or_create(
            memorial_id=memorial_id, defaults={"wrapped_key": memorial_key_wrap_new()}
        )
    return key


def memorial_key_destroy(*, memorial_id: uuid.UUID) -> bool:
    """Crypto-shred: forget the wrapped data key. True if a live key was destroyed. A
    memorial that never had a key gets a destroyed one, so none is ever made for it."""
    destroyed = bool(
        MemorialKey.objects.filter(memorial_id=memorial_id, wrapped_key__isnull=False).update(
            wrapped_key=None, destroyed_at=timezone.now()
        )
    )
    MemorialKey.objects.get_or_create(
        memorial_id=memorial_id, defaults={"wrapped_key": None, "destroyed_at": timezone.now()}
    )
    return destroyed


def memorial_keys_destroyed(*, memorial_id: uuid.UUID | str) -> QuerySet[MemorialKey]:
    """The memorial's key if it was destroyed (what "erased" means for `memorial_erased` and
    `consent.gate.consent_start`)."""
    return MemorialKey.objects.filter(memorial_id=memorial_id, destroyed_at__isnull=False)


def memorial_erased(*, memorial_id: uuid.UUID | str) -> bool:
    """True once the memorial's key is destroyed: the first thing the kill switch commits,
    so from then on no work may touch it (nothing of it can be read anyway)."""
    return memorial_keys_destroyed(memorial_id=memorial_id).exists()


class MemorialCipher:
    """Encrypts and decrypts one memorial's content. Get one with `memorial_cipher`."""

    def __init__(self, memorial_id: uuid.UUID, data_key: bytes) -> None:
        self._aad = str(memorial_id).encode()
        self._key = data_key
        self._hash_keys: dict[str, bytes] = {}
        self._derived: dict[KeyPurpose, bytes] = {}

    def derived_key(self, purpose: KeyPurpose) -> bytes:
        """A 32-byte key for one purpose, derived from the data key by HKDF-SHA256 (`info`:
        the purpose and the memorial's id). Another purpose or memorial gets an unrelated key."""
        if purpose not in self._derived:
            self._derived[purpose] = HKDF(
                algorithm=hashes.SHA256(),
                length=32,
                salt=None,
                info=b"legacy:" + purpose.value.encode() + b":" + self._aad,
            ).derive(self._key)
        return self._derived[purpose]

    def content_digest(self, sha256_hex: str) -> str:
        """The memorial's keyed digest of content whose SHA-256 is `sha256_hex`: HMAC-SHA256,
        under the file-hash key, of that digest (64 hex characters). Equal content in one
        memorial gives equal digests (dedup); without the key, a digest cannot be matched to a
        known file, nor to the same file in another memorial."""
        key = self.derived_key(KeyPurpose.FILE_HASH)
        return hmac.new(key, bytes.fromhex(sha256_hex), "sha256").hexdigest()

    def encrypt(self, plaintext: bytes) -> bytes:
        return _seal(self._key, plaintext, self._aad)

    def decrypt(self, token: bytes) -> bytes:
        return _open(self._key, bytes(token), self._aad)

    def encrypt_text(self, text: str) -> bytes:
        return self.encrypt(text.encode("utf-8"))

    def decrypt_text(self, token: bytes) -> str:
        return self.decrypt(token).decode("utf-8")

    def keyed_hash(self, *, purpose: str, value: str) -> str:
        """HMAC-SHA256 (hex) of `value` under a sub-key derived from the data key by HKDF
        with `purpose` as its info: the same value hashes alike within this memorial and
        purpose only, so it can be looked up for equality without being stored in clear."""
        if purpose not in self._hash_keys:
            self._hash_keys[purpose] = HKDF(
                algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()
            ).derive(self._key)
        return hmac.new(self._hash_keys[purpose], value.encode("utf-8"), "sha256").hexdigest()

    def encrypt_stream(self, source: BinaryIO, target: BinaryIO) -> int:
        """Encrypt a file chunk by chunk (never whole in memory). Returns plaintext bytes."""
        total, index = 0, 0
        while chunk := source.read(FILE_CHUNK_BYTES):
            sealed = _seal(self._key, chunk, self._aad + index.to_bytes(8, "big"))
            target.write(len(sealed).to_bytes(4, "big") + sealed)
            total, index = total + len(chunk), index + 1
        return total

    def decrypt_stream(self, source: BinaryIO) -> Iterator[bytes]:
        index = 0
        while header := source.read(4):
            sealed = source.read(int.from_bytes(header, "big"))
            yield _open(self._key, sealed, self._aad + index.to_bytes(8, "big"))
            index += 1


_ciphers_in_use: contextvars.ContextVar[dict[str, MemorialCipher] | None] = contextvars.ContextVar(
    "memorial_ciphers_in_use", default=None
)


@contextlib.contextmanager
def ciphers_reused(*, wrapped: Mapping[str, bytes] | None = None) -> Iterator[None]:
    """Within this block (one short unit of work, such as writing one reply), each
    memorial's cipher is read and unwrapped once and then reused; the block's end forgets
    them, so no data key stays in memory beyond the work that needed it.

    `wrapped`: keys a long-lived holder kept still wrapped (`memorial_key_wrapped`, keyed by
    the memorial's id as a string): unwrapped here rather than read from the database."""
    token = _ciphers_in_use.set(
        {
            memorial_id: memorial_cipher_unwrap(
                memorial_id=uuid.UUID(memorial_id), wrapped_key=wrapped_key
            )
            for memorial_id, wrapped_key in (wrapped or {}).items()
        }
    )
    try:
        yield
    finally:
        _ciphers_in_use.reset(token)


def memorial_cipher(*, memorial_id: uuid.UUID) -> MemorialCipher:
    in_use = _ciphers_in_use.get()
    if in_use is not None and (cipher := in_use.get(str(memorial_id))) is not None:
        return cipher
    key = memorial_key_ensure(memorial_id=memorial_id)
    if key.wrapped_key is None:
        raise KeyDestroyed(f"the data key of memorial {memorial_id} was destroyed")
    cipher = memorial_cipher_unwrap(memorial_id=memorial_id, wrapped_key=key.wrapped_key)
    if in_use is not None:
        in_use[str(memorial_id)] = cipher
    return cipher


def memorial_key_wrapped(*, memorial_id: uuid.UUID) -> bytes:
    """The memorial's data key as stored, wrapped by the master key: a handle that a
    long-lived holder (a conversation's socket) keeps instead of the data key itself, and
    opens for each unit of work with `ciphers_reused(wrapped=...)`. KeyDestroyed once the
    key is destroyed."""
    key = memorial_key_ensure(memorial_id=memorial_id)
    if key.wrapped_key is None:
        raise KeyDestroyed(f"the data key of memorial {memorial_id} was destroyed")
    return bytes(key.wrapped_key)


def memorial_key_wrapped_beside(memorial_ref: str) -> Subquery:
    """An annotation that reads the wrapped key of the memorial at `memorial_ref` (a field
    path of the outer query) with the outer rows, to hand to `memorial_cipher_keep`: the
    key without a round trip of its own."""
    keys = MemorialKey.objects.filter(memorial_id=OuterRef(memorial_ref))
    return Subquery(keys.values("wrapped_key")[:1])


def memorial_cipher_keep(*, memorial_id: uuid.UUID, wrapped_key: bytes | memoryview | None) -> None:
    """Within a `ciphers_reused` block: the memorial's cipher from a wrapped key read with
    other rows (`memorial_key_wrapped_beside`), so `memorial_cipher` does not read it again.
    Outside a block, or without a key (destroyed, or never made), it does nothing:
    `memorial_cipher` then reads the key, and says so when it was destroyed."""
    in_use = _ciphers_in_use.get()
    if in_use is None or wrapped_key is None or str(memorial_id) in in_use:
        return
    in_use[str(memorial_id)] = memorial_cipher_unwrap(
        memorial_id=memorial_id, wrapped_key=wrapped_key
    )


def memorial_ciphers(*, memorial_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, MemorialCipher]:
    """The ciphers of many memorials in one query (a page listing them); a memorial whose
    key is destroyed, or was never made, is left out."""
    keys = MemorialKey.objects.filter(memorial_id__in=list(memorial_ids), wrapped_key__isnull=False)
    return {
        memorial_id: memorial_cipher_unwrap(memorial_id=memorial_id, wrapped_key=wrapped)
        for memorial_id, wrapped in keys.values_list("memorial_id", "wrapped_key")
        if wrapped is not None
    }


def memorial_cipher_unwrap(
    *, memorial_id: uuid.UUID, wrapped_key: bytes | memoryview
) -> MemorialCipher:
    """The cipher of a wrapped data key as a key row stores it. Data migrations use it with
    their historical rows; everything else calls `memorial_cipher`."""
    return MemorialCipher(memorial_id, _open(master_key(), bytes(wrapped_key), _MASTER_AAD))


def _memorial_key_count(memorial_id: uuid.UUID) -> int:
    return MemorialKey.objects.filter(memorial_id=memorial_id, wrapped_key__isnull=False).count()


def _memorial_key_erase(memorial_id: uuid.UUID) -> int:
    """The key was destroyed first (crypto-shredding); this makes sure of it. The row stays
    as a tombstone, holding nothing, so the memorial never gets a fresh key."""
    return int(memorial_key_destroy(memorial_id=memorial_id))


def memorial_key_holder_register() -> None:
    holder_register(
        DataHolder(
            name="core.memorial_key",
            label="the encryption key of your memorial",
            count=_memorial_key_count,
            erase=_memorial_key_erase,
            order=1000,  # last: everything encrypted under it is already gone
        )
    )
