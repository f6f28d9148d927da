"""Querysets compiled once, for the few queries run on every message of a conversation.

Django compiles a queryset to SQL each time it runs it: for a query with a lock and
subqueries that is about a millisecond of Python, on a path (a visitor's message to its
reply's first words) that runs a few dozen queries. `compiled_sql` keeps the SQL a queryset
compiles to, built from the same queryset the code would run, so the query is still written
once, with the ORM; only its parameters change from one run to the next. Its rows come back
as they are (`compiled_row`, `compiled_rows`) or made into the queryset's model instances
(`compiled_objects`); `compiled_update` does the same for a queryset's `update()`."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators  # type: ignore[attr-defined]
from django.db.models.sql.compiler import SQLCompiler
from django.db.models.sql.subqueries import UpdateQuery

M = TypeVar("M", bound=Model)

# A time no real write passes, to probe a query that takes one (`compiled_update`).
PROBE_MOMENT = datetime(2000, 1, 1, tzinfo=UTC)


@functools.cache
def _compiled(
    build: Callable[..., QuerySet[Any]], probes: tuple[Any, ...]
) -> tuple[str, SQLCompiler, QuerySet[Any]]:
    queryset = build(*probes)
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    if tuple(params) != probes:
        raise ImproperlyConfigured(
            f"{build.__qualname__} cannot be compiled once: its SQL takes {params!r}, "
            f"not its arguments {probes!r} in order"
        )
    return str(sql), compiler, queryset


def compiled_sql(build: Callable[..., QuerySet[Any]], probes: Sequence[Any]) -> str:
    """The SQL of `build(*probes)`, compiled on the first call and kept. `build` must be a
    module-level function whose queryset takes its arguments as the SQL's parameters, each
    once and in order (checked with `probes`, values no real call passes: a zero UUID, a
    word no column holds), so `cursor.execute(sql, args)` runs `build(*args)`."""
    return _compiled(build, tuple(probes))[0]


def compiled_rows(
    build: Callable[..., QuerySet[Any]], probes: Sequence[Any], args: Sequence[Any]
) -> list[tuple[Any, ...]]:
    """Every row of `build(*args)`, as the database returns them (a `values_list` queryset's
    rows, before Django's own conversions: use it for columns that need none)."""
    with connection.cursor() as cursor:
        cursor.execute(compiled_sql(build, probes), list(args))
        return [tuple(row) for row in cursor.fetchall()]


def compiled_objects(
    build: Callable[..., QuerySet[M]], probes: Sequence[Any], args: Sequence[Any]
) -> list[M]:
    """The model instances `build(*args)` returns, as its queryset would return them (the
    relations it selects set on them, its annotations as attributes, each column converted
    as Django converts it), from the SQL kept for it: the rows made into objects by the
    compiler that compiled it once, as Django's `ModelIterable` does."""
    sql, compiler, queryset = _compiled(build, tuple(probes))
    if queryset._iterable_class is not ModelIterable or queryset._known_related_objects:  # type: ignore[attr-defined]
        raise ImproperlyConfigured(f"{build.__qualname__} must return a plain model queryset")
    with connection.cursor() as cursor:
        cursor.execute(sql, list(args))
        rows = cursor.fetchall()
    select, klass_info = compiler.select, compiler.klass_info
    assert klass_info is not None
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    names = [column[0].target.attname for column in select[start:end]]
    populators = get_related_populators(klass_info, select, queryset.db)
    found = []
    for row in compiler.results_iter(results=[rows]):
        instance = klass_info["model"].from_db(queryset.db, names, row[start:end])
        for populator in populators:
            populator.populate(row, instance)
        for name, position in compiler.annotation_col_map.items():
            setattr(instance, name, row[position])
        found.append(instance)
    return found


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


@functools.cache
def _compiled_update(
    build: Callable[..., tuple[QuerySet[Any], dict[str, Any]]], probes: tuple[Any, ...]
) -> str:
    queryset, values = build(*probes)
    query: UpdateQuery = queryset.query.chain(UpdateQuery)  # type: ignore[assignment]
    query.add_update_values(values)
    sql, params = query.get_compiler(using=queryset.db).as_sql()
    # a value Django wraps for the driver (bytes as psycopg's Binary) compared as given
    if tuple(getattr(param, "obj", param) for param in params) != probes:
        raise ImproperlyConfigured(
            f"{build.__qualname__} cannot be compiled once: its SQL takes {params!r}, "
            f"not its arguments {probes!r} in order"
        )
    return str(sql)


def compiled_update(
    build: Callable[..., tuple[QuerySet[Any], dict[str, Any]]],
    probes: Sequence[Any],
    args: Sequence[Any],
) -> int:
    """The rows `queryset.update(**values)` updates, for `(queryset, values) = build(*args)`,
    run as the SQL compiled once for it: `build` takes the new values first, in the order
    `values` lists them, then the queryset's parameters (checked with `probes`). For
    columns that take the value as given (no field that changes it on the way, such as
    `auto_now`)."""
    with connection.cursor() as cursor:
        cursor.execute(_compiled_update(build, tuple(probes)), list(args))
        return int(cursor.rowcount)


def model_from_row(model: type[M], values: Sequence[Any]) -> M:
    """An instance of `model` from its concrete fields' values, in the order a queryset of
    it selects them (its related rows, if selected, follow: slice them off first)."""
    fields = [field.attname for field in model._meta.concrete_fields]
    return model.from_db(connection.alias, fields, values[: len(fields)])
