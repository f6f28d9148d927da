"""Querysets compiled once, for the few queries run on every message of a conversation.

Django compiles a queryset to SQL each time it runs it: for a query with a lock and
subqueries that is about a millisecond of Python, on a path (a visitor's message to its
reply's first words) that runs a few dozen queries. `compiled_sql` keeps the SQL a queryset
compiles to, built from the same queryset the code would run, so the query is still written
once, with the ORM; only its parameters change from one run to the next."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet


@functools.cache
def _compiled(build: Callable[..., QuerySet[Any]], probes: tuple[Any, ...]) -> str:
    sql, params = build(*probes).query.sql_with_params()
    if tuple(params) != probes:
        raise ImproperlyConfigured(
            f"{build.__qualname__} cannot be compiled once: its SQL takes {params!r}, "
            f"not its arguments {probes!r} in order"
        )
    return str(sql)


def compiled_sql(build: Callable[..., QuerySet[Any]], probes: Sequence[Any]) -> str:
    """The SQL of `build(*probes)`, compiled on the first call and kept. `build` must be a
    module-level function whose queryset takes its arguments as the SQL's parameters, each
    once and in order (checked with `probes`, values no real call passes: a zero UUID, a
    word no column holds), so `cursor.execute(sql, args)` runs `build(*args)`."""
    return _compiled(build, tuple(probes))
