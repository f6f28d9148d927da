"""Search structures keyed to the memorial: full-text tokens and rotated vectors.

Full text: Postgres stems a text as before (`to_tsvector` in SEARCH_CONFIG); each lexeme is then
replaced by its token, HMAC-SHA256 under the memorial's lexeme key (`core.crypto.KeyPurpose`)
cut to TOKEN_HEX hex characters, and a passage stores the set of its tokens as a tsvector
without positions (`array_to_tsvector`). A query is stemmed and keyed the same way, so the
GIN index, `@@`, `length()` and the BM25 statistics (`LexemeFrequency`) work on tokens as they
did on lexemes (BM25 here takes every term frequency as 1 and needs no positions). Without
the key a token cannot be turned back into a word, nor matched to the same word in another
memorial; what it still shows is how often an unknown token occurs.

Vectors: each memorial has a secret orthogonal 384 x 384 matrix R, derived from its rotation
key; a passage's vector v is stored as R v and a query's q is searched as R q. Cosine distances
are unchanged (R is orthogonal), so retrieval ranks exactly as before. This is obfuscation,
not encryption: it stops anyone from reading a stored vector back with the public model (or
comparing it with vectors of texts they choose), but the distances between one memorial's
vectors stay visible, and anyone holding enough of a memorial's (text, stored vector) pairs
could solve for R.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from core.crypto import KeyPurpose, MemorialCipher
from corpus.embeddings import EMBEDDING_DIMENSIONS

# The language the lexemes are stemmed in, at write time and at query time alike.
SEARCH_CONFIG = "english"
# 64 bits of each HMAC: two of a memorial's n distinct lexemes share a token with probability
# about n^2 / 2^65 (1 in 37 million for a million distinct lexemes).
TOKEN_HEX = 16
# Rotations kept per process (590 kB each), so a query does not rebuild its memorial's.
ROTATIONS_CACHED = 32
# A passage's tokens as a tsvector, from a text[] parameter: no positions, no weights.
TOKENS_TSVECTOR_SQL = "array_to_tsvector(%s::text[])"


class SearchKeys:
    """One memorial's lexeme key and vector rotation. Get one with `memorial_search_keys`."""

    def __init__(self, *, lexeme_key: bytes, rotation: np.ndarray) -> None:
        self._lexeme_key = lexeme_key
        self._rotation = rotation

    def token(self, lexeme: str) -> str:
        """The memorial's token for one stemmed lexeme."""
        return hmac.digest(self._lexeme_key, lexeme.encode(), "sha256").hex()[:TOKEN_HEX]

    def tokens(self, lexemes: Iterable[str]) -> list[str]:
        """The distinct tokens of these lexemes, sorted."""
        return sorted({self.token(lexeme) for lexeme in lexemes})

    def rotate(self, vectors: np.ndarray) -> np.ndarray:
        """R v for a vector, or for each row of a (n, 384) array; float32."""
        return np.asarray(vectors, dtype=np.float32) @ self._rotation.T


def memorial_search_keys(*, cipher: MemorialCipher) -> SearchKeys:
    return SearchKeys(
        lexeme_key=cipher.derived_key(KeyPurpose.LEXEMES),
        rotation=vector_rotation(seed=cipher.derived_key(KeyPurpose.VECTOR_ROTATION)),
    )


def text_lexemes(*, cursor: Any, texts: Sequence[str]) -> list[list[str]]:
    """Postgres's lexemes of each text (what `to_tsvector` in SEARCH_CONFIG keeps), in order."""
    if not texts:
        return []
    cursor.execute(
        "SELECT tsvector_to_array(to_tsvector(%s::regconfig, t.text))"
        " FROM unnest(%s::text[]) WITH ORDINALITY AS t(text, n) ORDER BY t.n",
        [SEARCH_CONFIG, list(texts)],
    )
    return [row[0] for row in cursor.fetchall()]


def text_tokens(*, cursor: Any, keys: SearchKeys, texts: Sequence[str]) -> list[list[str]]:
    """Each text's distinct tokens, sorted: its lexemes stemmed by Postgres, keyed here."""
    known: dict[str, str] = {}  # a lexeme recurs across a batch's passages: key it once
    result = []
    for lexemes in text_lexemes(cursor=cursor, texts=texts):
        tokens = set()
        for lexeme in lexemes:
            if (token := known.get(lexeme)) is None:
                token = known[lexeme] = keys.token(lexeme)
            tokens.add(token)
        result.append(sorted(tokens))
    return result


@functools.lru_cache(maxsize=ROTATIONS_CACHED)
def vector_rotation(*, seed: bytes) -> np.ndarray:
    """The orthogonal matrix of a rotation key: QR of a Gaussian matrix drawn from SHAKE-256
    of the key (Box-Muller), with the signs fixed so that Q is the one whose R factor has a
    positive diagonal. Only the standard library's SHAKE and LAPACK's QR go into it, not
    numpy's random generators, whose algorithms may change between versions: a different R
    would leave stored vectors unreadable to queries. Read-only, float32."""
    n = EMBEDDING_DIMENSIONS
    raw = np.frombuffer(hashlib.shake_256(seed).digest(n * n * 8), dtype="<u8")
    uniform = ((raw >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53  # in (0, 1)
    radius = np.sqrt(-2.0 * np.log(uniform[: n * n // 2]))
    angle = 2.0 * np.pi * uniform[n * n // 2 :]
    gaussian = np.concatenate([radius * np.cos(angle), radius * np.sin(angle)]).reshape(n, n)
    q, r = np.linalg.qr(gaussian)
    rotation = (q * np.sign(np.diag(r))).astype(np.float32)
    rotation.flags.writeable = False
    return rotation
