"""Compile a hot query's SQL once and reuse it with each call's values.

Django turns a queryset into SQL on every evaluation: for a read with
several ``select_related`` tables that compilation (the column lists, the
joins, the ordering) costs more CPU than running the query. A selector
called on every checkout request can opt in::

    lines = reuse_sql(CartLine.objects.filter(...).select_related(...), "cart.lines")

The first evaluation for a key (per database) compiles as usual and keeps
the SQL and the compiler's column map. Later evaluations compile only the
WHERE clause and reuse the rest when

* the query's shape (model, joins and their aliases, related tables,
  deferred fields, ordering, limits, locking, annotations) is the one
  compiled under that key, and
* the WHERE clause compiles to the same SQL text, so only the values of
  its parameters differ.

Otherwise, and for any query whose parameters do not all come from its
WHERE clause, it falls back to Django's compilation. The kept entries are
read-only and shared by the threads of a process.

A reused query also keeps the converters of its columns (the functions
that turn a database value into a Python one, ``from_db_value`` and the
backend's own): Django looks them up for every column of every evaluation.
They are kept on the database connection object of the thread that looked
them up, since a backend's converters may be methods of that connection.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db.models.query import ModelIterable, QuerySet


@dataclass(frozen=True)
class _Entry:
    shape: tuple
    where_sql: str
    sql: str
    select: list
    klass_info: dict
    annotation_col_map: dict
    col_count: int
    has_extra_select: bool


_entries: dict[tuple[str, str], _Entry | None] = {}
_lock = threading.Lock()
#: Evaluations served from a kept entry, and compiled in full (for tests and benches).
stats = {"reused": 0, "compiled": 0}


def _shape(query) -> tuple:
    """What besides the WHERE clause decides a SELECT's SQL text."""
    return (
        query.model,
        tuple(query.alias_map),
        repr(query.select_related),
        repr(query.deferred_loading),
        query.order_by,
        query.extra_order_by,
        query.default_ordering,
        query.standard_ordering,
        query.low_mark,
        query.high_mark,
        query.distinct,
        query.distinct_fields,
        query.select_for_update,
        query.select_for_update_nowait,
        query.select_for_update_skip_locked,
        query.select_for_update_of,
        query.select_for_no_key_update,
        tuple(query.annotation_select),
        tuple(query.extra_select),
        query.values_select,
        query.combinator,
        query.group_by
        if isinstance(query.group_by, bool) or query.group_by is None
        else repr(query.group_by),
    )


def _where(compiler) -> tuple[str, list]:
    try:
        sql, params = compiler.compile(compiler.query.where)
    except FullResultSet:
        return "", []
    return sql, list(params)


class _ReusedSQLIterable(ModelIterable):
    def __iter__(self):
        queryset = self.queryset
        key = (queryset.db, queryset.query.reuse_sql_key)
        compiler = queryset.query.get_compiler(using=queryset.db)
        entry = _entries.get(key)
        shape = _shape(queryset.query)
        try:
            where_sql, where_params = _where(compiler)
        except EmptyResultSet:
            return
        if entry is not None and entry.shape == shape and entry.where_sql == where_sql:
            stats["reused"] += 1
            compiler.select, compiler.klass_info = entry.select, entry.klass_info
            compiler.annotation_col_map = entry.annotation_col_map
            compiler.col_count, compiler.has_extra_select = entry.col_count, entry.has_extra_select
            sql, params = entry.sql, tuple(where_params)
            compiler.as_sql = lambda *args, **kwargs: (sql, params)
            compiler.get_converters = _kept_converters(compiler, key, entry)
        elif key not in _entries:
            stats["compiled"] += 1
            sql, params = compiler.as_sql()
            with _lock:
                if key not in _entries:
                    # Reuse only when every parameter is the WHERE clause's:
                    # then the same WHERE text means the same query.
                    same = list(params) == where_params and where_sql in sql
                    _entries[key] = (
                        _Entry(
                            shape=shape,
                            where_sql=where_sql,
                            sql=sql,
                            select=compiler.select,
                            klass_info=compiler.klass_info,
                            annotation_col_map=compiler.annotation_col_map,
                            col_count=compiler.col_count,
                            has_extra_select=compiler.has_extra_select,
                        )
                        if same
                        else None
                    )
            compiler.as_sql = lambda *args, **kwargs: (sql, params)
        else:
            stats["compiled"] += 1
        # The rows are turned into model instances as Django does.
        iterable = ModelIterable(
            queryset, chunked_fetch=self.chunked_fetch, chunk_size=self.chunk_size
        )
        yield from _iterate(iterable, compiler)


def _kept_converters(compiler, key: tuple[str, str], entry: _Entry):
    """``compiler.get_converters``, answered from the connection's kept copy for this entry."""
    compute = compiler.get_converters
    kept = compiler.connection.__dict__.setdefault("_panier_kept_converters", {})

    def get_converters(expressions):
        if compiler.has_composite_fields(expressions):
            # Django calls itself again per column pair: not kept.
            return compute(expressions)
        # Kept with the entry they were computed for: after ``forget`` a new
        # entry under the same key may select other columns.
        kept_entry, converters = kept.get(key, (None, None))
        if kept_entry is not entry:
            converters = compute(expressions)
            kept[key] = (entry, converters)
        return converters

    return get_converters


def _iterate(iterable: ModelIterable, compiler):
    # Django's iterable asks the query for a compiler: this evaluation's
    # query (a clone of its own) hands it the one prepared above.
    query = iterable.queryset.query
    query.get_compiler = lambda *args, **kwargs: compiler
    try:
        yield from ModelIterable.__iter__(iterable)
    finally:
        del query.get_compiler


def reuse_sql(queryset: QuerySet, key: str) -> QuerySet:
    """Return ``queryset`` set to reuse its compiled SQL under ``key`` (model instances only)."""
    if queryset._iterable_class is not ModelIterable:
        raise TypeError("reuse_sql serves querysets of model instances only")
    clone = queryset._chain()
    clone._iterable_class = _ReusedSQLIterable
    # On the query, so that the key follows the clones (``first()``, ...).
    clone.query.reuse_sql_key = key
    return clone


def forget() -> None:
    """Drop every kept entry (tests)."""
    with _lock:
        _entries.clear()
    stats.update(reused=0, compiled=0)
