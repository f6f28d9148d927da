"""Keys derived from a memorial's data key: one per purpose, gone with the data key."""

from __future__ import annotations

import hashlib
import uuid

import pytest

from core.crypto import (
    KeyDestroyed,
    KeyPurpose,
    MemorialCipher,
    memorial_cipher,
    memorial_key_destroy,
)
from tests.memorials.factories import MemorialFactory


def test_each_purpose_and_each_memorial_gets_its_own_key():
    data_key = bytes(range(32))
    one, other = uuid.uuid4(), uuid.uuid4()
    keys = {
        (memorial, purpose): MemorialCipher(memorial, data_key).derived_key(purpose)
        for memorial in (one, other)
        for purpose in KeyPurpose
    }
    assert len(set(keys.values())) == len(keys) == 6
    assert all(len(key) == 32 for key in keys.values())
    # the same data key and purpose always derive the same key
    again = MemorialCipher(one, data_key)
    assert again.derived_key(KeyPurpose.LEXEMES) == keys[(one, KeyPurpose.LEXEMES)]
    # and none of them is the data key itself
    assert data_key not in keys.values()


def test_content_digest_is_keyed_and_stable():
    sha256 = hashlib.sha256(b"a known file").hexdigest()
    memorial = uuid.uuid4()
    digest = MemorialCipher(memorial, bytes(32)).content_digest(sha256)
    assert len(digest) == 64 and digest != sha256
    assert MemorialCipher(memorial, bytes(32)).content_digest(sha256) == digest
    assert MemorialCipher(memorial, bytes([1]) * 32).content_digest(sha256) != digest
    assert MemorialCipher(uuid.uuid4(), bytes(32)).content_digest(sha256) != digest


@pytest.mark.django_db
def test_destroying_the_data_key_leaves_no_way_to_the_derived_keys():
    memorial = MemorialFactory()
    assert memorial_cipher(memorial_id=memorial.id).derived_key(KeyPurpose.FILE_HASH)
    memorial_key_destroy(memorial_id=memorial.id)
    with pytest.raises(KeyDestroyed):
        memorial_cipher(memorial_id=memorial.id)


@pytest.mark.django_db
def test_a_cipher_is_reused_within_one_unit_of_work_and_forgotten_after(
    django_assert_num_queries,
):
    from core.crypto import ciphers_reused

    memorial = MemorialFactory()
    memorial_cipher(memorial_id=memorial.id)  # the key exists
    with ciphers_reused():
        first = memorial_cipher(memorial_id=memorial.id)
        with django_assert_num_queries(0):
            again = memorial_cipher(memorial_id=str(memorial.id))  # type: ignore[arg-type]
        assert again is first
    memorial_key_destroy(memorial_id=memorial.id)
    with pytest.raises(KeyDestroyed):  # the block's end forgot it: the key is read again
        memorial_cipher(memorial_id=memorial.id)
