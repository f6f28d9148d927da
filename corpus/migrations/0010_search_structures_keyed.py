"""Search structures keyed to each memorial (`corpus.search_keys`): existing rows converted to
what the write path stores now.

For each memorial whose data key is live:
- its passages' `search` becomes the memorial's tokens of the lexemes it held, without
  positions. Those lexemes are the very ones Postgres stemmed from the indexed text when the
  passage was written, so the tokens equal what writing it again would store. (The indexed
  text itself was never stored, and could not be rebuilt exactly from the decrypted passages:
  a chat turn's holds its neighbours, trimmed.) Its `embedding` is rotated by the memorial's
  rotation (stored vectors are the model's: composed in `corpus.passage_vectors`);
- its lexeme statistics (`LexemeFrequency`, `CorpusStatistics`) are counted again from the
  new column: their triggers fire on inserts and deletes, not on this update;
- its uploads' and documents' SHA-256s become the memorial's keyed digests of them
  (`MemorialCipher.content_digest`), which is what uploads and ingests store now.
Memorials whose key was destroyed are skipped: nothing of theirs can be keyed (the kill switch
deletes their rows). The conversion runs in the migration's one transaction, as the owner: it
converts every memorial or none, and is recorded as applied in that same transaction, so it
never converts a row twice. Not reversible: tokens and keyed digests are one-way by design.
Writers of the old format (workers of the previous release) must be stopped while it runs.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import numpy as np
from django.db import migrations

from core.crypto import MemorialCipher, memorial_cipher
from corpus.search_keys import SearchKeys, memorial_search_keys
from corpus.services.passages_store import vector_literal

logger = logging.getLogger(__name__)

BATCH = 1000  # passages read, keyed and rotated per round trip


def search_structures_key(*, cursor: Any) -> tuple[int, int]:
    """Convert every memorial that has corpus rows. Returns (converted, skipped)."""
    cursor.execute(
        "SELECT memorial_id FROM corpus_upload UNION SELECT memorial_id FROM corpus_document"
        " UNION SELECT memorial_id FROM corpus_passage"
    )
    memorials = sorted(row[0] for row in cursor.fetchall())
    cursor.execute("SELECT memorial_id FROM core_memorialkey WHERE wrapped_key IS NOT NULL")
    live = {row[0] for row in cursor.fetchall()}
    converted = skipped = 0
    for memorial_id in memorials:
        if memorial_id not in live:
            skipped += 1
            logger.warning("Memorial %s has no live key: its search structures stay", memorial_id)
            continue
        memorial_search_structures_key(
            cursor=cursor, memorial_id=memorial_id, cipher=memorial_cipher(memorial_id=memorial_id)
        )
        converted += 1
    return converted, skipped


def memorial_search_structures_key(
    *, cursor: Any, memorial_id: uuid.UUID, cipher: MemorialCipher
) -> None:
    keys = memorial_search_keys(cipher=cipher)
    last = 0
    while True:
        cursor.execute(
            "SELECT id, tsvector_to_array(search), embedding::text FROM corpus_passage"
            " WHERE memorial_id = %s AND id > %s ORDER BY id LIMIT %s",
            [memorial_id, last, BATCH],
        )
        rows = cursor.fetchall()
        if not rows:
            break
        _passages_key(cursor, memorial_id, keys, rows)
        last = rows[-1][0]
    _statistics_recount(cursor, memorial_id)
    for table, column in (("corpus_upload", "sha256"), ("corpus_document", "content_sha256")):
        cursor.execute(f"SELECT id, {column} FROM {table} WHERE memorial_id = %s", [memorial_id])
        found = cursor.fetchall()
        cursor.execute(
            f"UPDATE {table} AS t SET {column} = u.digest"
            " FROM unnest(%s::uuid[], %s::text[]) AS u(id, digest) WHERE t.id = u.id",
            [[row[0] for row in found], [cipher.content_digest(row[1]) for row in found]],
        )


def _passages_key(
    cursor: Any, memorial_id: uuid.UUID, keys: SearchKeys, rows: list[tuple[Any, ...]]
) -> None:
    vectors = keys.rotate(np.array([json.loads(row[2]) for row in rows], dtype=np.float32))
    cursor.execute(
        "UPDATE corpus_passage AS p SET search = array_to_tsvector(string_to_array(u.tokens, ' ')),"
        " embedding = u.embedding::vector"
        " FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS u(id, tokens, embedding)"
        " WHERE p.memorial_id = %s AND p.id = u.id",
        [
            [row[0] for row in rows],
            [" ".join(keys.tokens(row[1])) for row in rows],
            [vector_literal(vector) for vector in vectors],
            memorial_id,
        ],
    )


def _statistics_recount(cursor: Any, memorial_id: uuid.UUID) -> None:
    cursor.execute("DELETE FROM corpus_lexemefrequency WHERE memorial_id = %s", [memorial_id])
    cursor.execute(
        "INSERT INTO corpus_lexemefrequency (memorial_id, lexeme, passages)"
        " SELECT memorial_id, lexeme, count(*)"
        " FROM corpus_passage, unnest(tsvector_to_array(search)) AS lexeme"
        " WHERE memorial_id = %s GROUP BY memorial_id, lexeme",
        [memorial_id],
    )
    cursor.execute(
        "UPDATE corpus_corpusstatistics AS s SET passages = c.passages, lexemes = c.lexemes"
        " FROM (SELECT count(*) AS passages, coalesce(sum(length(search)), 0) AS lexemes"
        "       FROM corpus_passage WHERE memorial_id = %s) AS c"
        " WHERE s.memorial_id = %s",
        [memorial_id, memorial_id],
    )


def forward(apps: Any, schema_editor: Any) -> None:
    with schema_editor.connection.cursor() as cursor:
        converted, skipped = search_structures_key(cursor=cursor)
    if converted or skipped:
        logger.warning(
            "Search structures keyed: %s memorials converted, %s skipped", converted, skipped
        )


class Migration(migrations.Migration):
    dependencies = [
        ("corpus", "0009_names_clear_dropped"),
        ("core", "0003_outbound_mail"),
    ]

    operations = [migrations.RunPython(forward)]
