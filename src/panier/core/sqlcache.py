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

Building the queryset itself (``filter()`` resolving each keyword into
joins and lookups) costs more than compiling its WHERE clause. The
hottest selectors are therefore built once per process too, with named
values, and each call binds its own::

    _CART = KeptQuery("cart.get.token", lambda p: Cart.objects.filter(hub_id=p.int("hub"), token=p.uuid("token")))
    cart = _CART(hub=hub.pk, token=token).first()

A call clones the built query and puts a new lookup (Django's own class,
so the value is prepared as ``filter()`` would) in place of each named
one: the queryset holds the call's values and behaves as any other. Its
evaluation takes the WHERE clause's SQL and parameters from the kept
compilation, unless the query was filtered again after the call, in
which case it compiles as usual.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db.models.lookups import IntegerFieldOverflow
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
        bound = getattr(queryset.query, "reuse_sql_bound", None)
        kept_where = bound.where(queryset.query, compiler) if bound is not None else None
        if kept_where is not None:
            where_sql, where_params = kept_where
        else:
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


# Queries built once, with each call's values ------------------------------

#: Stand-in values of the named parameters while a KeptQuery is built:
#: within every integer column's range, and unlike any real value.
_INT_BASE = 2_147_400_000
_UUID_BASE = 0x7A11_E000_0000_4000_8000_0000_0000_0000


class _Params:
    """What a KeptQuery's builder gets: ``p.int("name")``, ``p.uuid("name")``, ``p.str("name")``."""

    def __init__(self) -> None:
        self.markers: dict[object, str] = {}

    def _marker(self, name: str, value: object) -> object:
        if name in self.markers.values():
            raise ValueError(f"parameter {name!r} is named twice")
        self.markers[value] = name
        return value

    def int(self, name: str) -> int:
        return self._marker(name, _INT_BASE + len(self.markers))

    def uuid(self, name: str) -> uuid.UUID:
        return self._marker(name, uuid.UUID(int=_UUID_BASE + len(self.markers)))

    def str(self, name: str) -> str:
        return self._marker(name, f"\x00kept-query-parameter-{len(self.markers)}")


def _leaves(node, path=()):
    """(path, lookup) of every lookup of a WHERE tree, in order."""
    for index, child in enumerate(node.children):
        if hasattr(child, "children"):
            yield from _leaves(child, (*path, index))
        else:
            yield (*path, index), child


class _Bound:
    """What a KeptQuery call put in its query's WHERE clause."""

    __slots__ = ("kept", "lookups")

    def __init__(self, kept: KeptQuery, lookups: tuple) -> None:
        self.kept = kept
        self.lookups = lookups

    def where(self, query, compiler) -> tuple[str, list] | None:
        """The WHERE clause's SQL and parameters, or None if the query was filtered since."""
        if tuple(lookup for _, lookup in _leaves(query.where)) != self.lookups:
            return None
        sql, slots = self.kept.compiled_where(compiler)
        params = []
        for slot in slots:
            if slot[0] == "value":
                params.append(slot[1])
                continue
            _, position, hex_form, bounds = slot
            value = self.lookups[position].rhs
            if bounds is not None and not (
                (bounds[0] is None or value >= bounds[0]) and (bounds[1] is None or value <= bounds[1])
            ):
                return None
            params.append(value.hex if hex_form else value)
        return sql, params


class KeptQuery:
    """A hot selector's queryset, built once per process; each call binds its values.

    ``build`` receives the parameters (``p.int("hub")``, ``p.uuid("token")``,
    ``p.str("number")``) and returns a queryset of model instances whose
    named values are each the right-hand side of an exact or comparison
    lookup. A call takes every name once, none of them None (``IS NULL`` is
    another query: write it in the builder). Everything else the builder
    puts in the query is fixed for the life of the process: no
    ``timezone.now()`` or setting read there.
    """

    def __init__(self, key: str, build: Callable[[_Params], QuerySet]) -> None:
        self.key = key
        self._build = build
        self._built: tuple[QuerySet, tuple[tuple[tuple, str], ...]] | None = None
        self._where: dict[str, tuple[str, tuple]] = {}

    def _prepare(self) -> tuple[QuerySet, tuple[tuple[tuple, str], ...]]:
        params = _Params()
        queryset = reuse_sql(self._build(params), self.key)
        named = []
        for path, lookup in _leaves(queryset.query.where):
            try:
                name = params.markers.get(getattr(lookup, "rhs", None))
            except TypeError:  # an unhashable value (a list, a subquery): not a named one
                continue
            if name is not None:
                named.append((path, name))
        missing = set(params.markers.values()) - {name for _, name in named}
        if missing:
            raise ValueError(f"{self.key}: {', '.join(sorted(missing))} not the value of a lookup")
        self._built = (queryset, tuple(named))
        return self._built

    def compiled_where(self, compiler) -> tuple[str, tuple]:
        """The built query's WHERE SQL for a database, and where each parameter comes from."""
        alias = compiler.using
        kept = self._where.get(alias)
        if kept is None:
            queryset, named = self._built or self._prepare()
            sql, params = _where(queryset.query.get_compiler(using=alias))
            position = {path: (index, lookup) for index, (path, lookup) in enumerate(_leaves(queryset.query.where))}
            markers = [position[path] for path, _ in named]
            ops = compiler.connection.ops
            slots = []
            for value in params:
                found = next(((i, lookup) for i, lookup in markers if _same(lookup.rhs, value)), None)
                if found is None:
                    slots.append(("value", value))
                    continue
                position, lookup = found
                # Django answers an integer outside the column's range with
                # no rows rather than sending it: such a call compiles as usual.
                bounds = (
                    ops.integer_field_range(lookup.lhs.output_field.get_internal_type())
                    if isinstance(lookup, IntegerFieldOverflow)
                    else None
                )
                slots.append(("bound", position, isinstance(value, str) and isinstance(lookup.rhs, uuid.UUID), bounds))
            if sum(1 for slot in slots if slot[0] == "bound") != len(named):
                raise ValueError(f"{self.key}: a named value does not reach the SQL as it was given")
            kept = self._where[alias] = (sql, tuple(slots))
        return kept

    def __call__(self, **values: object) -> QuerySet:
        queryset, named = self._built or self._prepare()
        if set(values) != {name for _, name in named}:
            raise TypeError(f"{self.key} takes {sorted(name for _, name in named)}, not {sorted(values)}")
        clone = queryset._chain()
        where = clone.query.where
        for path, name in named:
            value = values[name]
            if value is None:
                raise TypeError(f"{self.key}: {name} is None; a NULL test is another query")
            node = where
            for index in path[:-1]:
                node = node.children[index]
            old = node.children[path[-1]]
            node.children[path[-1]] = type(old)(old.lhs, value)
        clone.query.reuse_sql_bound = _Bound(self, tuple(lookup for _, lookup in _leaves(where)))
        return clone


def _same(marker: object, value: object) -> bool:
    if isinstance(marker, uuid.UUID) and isinstance(value, str):
        return value == marker.hex
    return type(marker) is type(value) and marker == value
