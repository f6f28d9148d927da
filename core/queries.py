"""Querysets compiled once, for the few queries run on every message of a conversation.

Django compiles a queryset to SQL each time it runs it: for a query with a lock and
subqueries that is about a millisecond of Python, on a path (a visitor's message to its
reply's first words) that runs a few dozen queries. `compiled_sql` keeps the SQL a queryset
compiles to, built from the same queryset the code would run, so the query is still written
once, with the ORM; only its parameters change from one run to the next."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


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


def compiled_row(
    build: Callable[..., QuerySet[Any]],
    probes: Sequence[Any],
    args: Sequence[Any],
    *,
    lock: str = "",
) -> tuple[Any, ...] | None:
    """The first row of `build(*args)`, run as the SQL `compiled_sql` keeps for it (`lock`:
    a clause after it, "FOR SHARE", which Django's querysets cannot say)."""
    with connection.cursor() as cursor:
        cursor.execute(f"{compiled_sql(build, probes)} {lock}", list(args))
        row = cursor.fetchone()
    return None if row is None else tuple(row)


def model_from_row(model: type[M], values: Sequence[Any]) -> M:
    """An instance of `model` from its concrete fields' values, in the order a queryset of
    it selects them (its related rows, if selected, follow: slice them off first)."""
    fields = [field.attname for field in model._meta.concrete_fields]
    return model.from_db(connection.alias, fields, values[: len(fields)])
