"""A lean bulk insert for the fast path: `QuerySet.bulk_create` without the SQL compiler.

Django's bulk_create spends most of its time compiling one placeholder and one value per field
per row (about 2 ms per appeal with its event and audit row on this machine kind). This writes
the same statement (`INSERT ... VALUES (...), (...) RETURNING id`) with the values prepared
the way the compiler prepares them: `pre_save` for automatic timestamps, the backend's
adapters for datetimes, `get_db_prep_save` for JSON and decimals, the raw value otherwise.
It is used only for Appeal, AppealEvent and AuditEvent, whose fields tests/test_fastpath.py
compares with what submit_appeal writes, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from typing import Any

from django.db import connection, models

Prepare = Callable[[Any], Any]


@cache
def _plan(model: type[models.Model], vendor: str) -> tuple[str, tuple[Any, ...]]:
    """The column list and, per field, (field, needs pre_save, prepare or None)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    steps = []
    for f in fields:
        auto = bool(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
        prepare: Prepare | None = None
        if isinstance(f, models.DateTimeField):
            prepare = connection.ops.adapt_datetimefield_value
        elif isinstance(f, models.JSONField | models.DecimalField):
            prepare = _db_prep(f)
        steps.append((f, auto, prepare))
    return columns, tuple(steps)


def _db_prep(field: models.Field[Any, Any]) -> Prepare:
    def prepare(value: Any) -> Any:
        return field.get_db_prep_save(value, connection)

    return prepare


@contextlib.contextmanager
def raw_cursor() -> Iterator[Any]:
    """The driver's own cursor on Django's connection (inside the caller's transaction): no
    per-statement rewriting of thousands of placeholders ("%s" to "?" on SQLite) and no
    debug wrappers. Statements use the driver's placeholder (`?` or `%s`)."""
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    try:
        yield cursor
    finally:
        cursor.close()


def query(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Rows of a read with the driver's cursor; `sql` uses `%s`, rewritten for the driver."""
    if connection.vendor == "sqlite":
        sql = sql.replace("%s", "?")
    with raw_cursor() as cursor:
        cursor.execute(sql, list(params))
        return list(cursor.fetchall())


def insert(objs: Sequence[models.Model], *, chunk: int = 200) -> None:
    """INSERT the unsaved `objs` (all of one model) and set their primary keys."""
    if not objs:
        return
    model = type(objs[0])
    columns, steps = _plan(model, connection.vendor)
    table = connection.ops.quote_name(model._meta.db_table)
    pk_field = model._meta.pk
    if pk_field is None:
        raise TypeError(f"{model.__name__} has no primary key")
    pk = connection.ops.quote_name(str(pk_field.column))
    mark = "?" if connection.vendor == "sqlite" else "%s"
    row_sql = "(" + ", ".join([mark] * len(steps)) + ")"
    with raw_cursor() as cursor:
        for start in range(0, len(objs), chunk):
            part = objs[start : start + chunk]
            params: list[Any] = []
            for obj in part:
                for field, auto, prepare in steps:
                    value = field.pre_save(obj, True) if auto else getattr(obj, field.attname)
                    params.append(
                        prepare(value) if prepare is not None and value is not None else value
                    )
            values = ", ".join([row_sql] * len(part))
            # Table and column names come from the model's metadata, quoted by the backend.
            sql = f"INSERT INTO {table} ({columns}) VALUES {values} RETURNING {pk}"  # noqa: S608
            cursor.execute(sql, params)
            ids = [row[0] for row in cursor.fetchall()]
            if len(ids) != len(part):
                raise RuntimeError("INSERT ... RETURNING gave the wrong number of ids")
            for obj, pk_value in zip(part, ids, strict=True):
                obj.pk = pk_value
                obj._state.adding = False
                obj._state.db = connection.alias
