"""Statements are bound on the server and prepared once a connection has run them a few
times (legacy.settings); LEGACY_DB_PREPARED=0 turns both off."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_a_statement_is_prepared_on_its_connection_once_it_has_run_five_times():
    sql = "SELECT count(*) FROM accounts_user WHERE email = %s"

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                ["%FROM accounts_user WHERE email = $1%"],
            )
            return int(cursor.fetchone()[0])

    with connection.cursor() as cursor:
        for _ in range(5):
            cursor.execute(sql, ["nobody@example.org"])
        assert prepared() == 0
        cursor.execute(sql, ["nobody@example.org"])  # the sixth run prepares it

    assert prepared() == 1


def _options(**env: str) -> str:
    base = {k: v for k, v in os.environ.items() if not k.startswith("LEGACY_DB_")}
    done = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; "
         "print(sorted(settings.DATABASES['default'].get('OPTIONS', {})))"],
        cwd=REPO,
        env={**base, "DATABASE_URL": settings.DATABASE_URL,
             "REDIS_URL": settings.REDIS_URL,
             "DJANGO_SETTINGS_MODULE": "legacy.settings.base", **env},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_prepared_statements_are_on_by_default_and_off_with_the_setting():
    assert "'prepare_threshold', 'server_side_binding'" in _options()
    assert "server_side_binding" not in _options(LEGACY_DB_PREPARED="0")
    assert "prepare_threshold" not in _options(LEGACY_DB_PREPARED="0")
