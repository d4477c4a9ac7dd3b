"""Multi-row INSERTs without the ORM's per-value preparation, for hot ingestion paths.

`bulk_create` prepares every value of every row through the field machinery; for a batch of
500 rows of 37 columns that is most of an ingestion call. `insert_rows` writes the same
columns with one parameterised `INSERT … VALUES (…), (…)` per chunk, converting values with
small per-field functions chosen once: datetimes through the connection's
`adapt_datetimefield_value`, JSON through its `adapt_json_value` (json.dumps on SQLite, a
Jsonb wrapper on PostgreSQL), plain scalars as they are; any other field type falls back to
`field.get_db_prep_save`, so the rows are the ones bulk_create would write. Optionally
`ON CONFLICT (…) DO NOTHING` and `RETURNING …` (SQLite ≥ 3.35 and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connections, models

Prep = Callable[[Any], Any]

# Values of these field types go to the driver unchanged when they already have the
# right Python type (the callers hand over model attributes or equivalent plain values).
PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.FloatField,
    models.BooleanField,
    models.AutoField,
    models.BigAutoField,
)


def preparer(field: models.Field[Any, Any], using: str = "default") -> Prep:
    """The function turning a Python value of `field` into what the driver receives."""
    connection = connections[using]
    ops = connection.ops
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        return lambda v: None if v is None else ops.adapt_json_value(v, encoder)
    if isinstance(field, models.DateTimeField):
        return _memo(ops.adapt_datetimefield_value)
    if isinstance(field, models.ForeignKey):
        return preparer(field.target_field, using)
    if isinstance(field, PLAIN):
        return _same
    return lambda v: field.get_db_prep_save(v, connection)


def _same(value: Any) -> Any:
    return value


def _memo(adapt: Prep) -> Prep:
    """`adapt` remembered per value: a batch repeats its times (created_at = updated_at,
    one `at` for every audit row)."""
    seen: dict[Any, Any] = {}

    def prep(value: Any) -> Any:
        if value is None:
            return None
        if value not in seen:
            seen[value] = adapt(value)
        return seen[value]

    return prep


def can_return(using: str = "default") -> bool:
    """Whether `insert_rows(returning=…)` works on this database."""
    return bool(connections[using].features.can_return_rows_from_bulk_insert)


def insert_rows(
    model: type[models.Model],
    fields: Sequence[models.Field[Any, Any]],
    rows: Iterable[Sequence[Any]],
    *,
    returning: Sequence[str] = (),
    conflict: Sequence[str] = (),
    using: str = "default",
) -> list[tuple[Any, ...]]:
    """Insert `rows` (Python values in the order of `fields`) into `model`'s table; with
    `conflict`, rows clashing on those columns are skipped (`ON CONFLICT … DO NOTHING`);
    with `returning`, the named columns of the inserted rows come back (in no promised
    order: return a key with the id)."""
    connection = connections[using]
    preps = [preparer(f, using) for f in fields]
    prepared = [[p(v) for p, v in zip(preps, row, strict=True)] for row in rows]
    if not prepared:
        return []
    qn = connection.ops.quote_name
    head = f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(str(f.column)) for f in fields)})"  # fmt: skip
    tail = ""
    if conflict:
        tail += f" ON CONFLICT ({', '.join(qn(c) for c in conflict)}) DO NOTHING"
    if returning:
        tail += f" RETURNING {', '.join(qn(c) for c in returning)}"
    out: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for sql, params in _statements(connection, fields, prepared, head, tail):
            cursor.execute(sql, params)
            if returning:
                out.extend(tuple(r) for r in cursor.fetchall())
    return out


def _statements(
    connection: Any, fields: Sequence[models.Field[Any, Any]], rows: list[list[Any]], head: str, tail: str
) -> list[tuple[str, list[Any]]]:  # fmt: skip
    """PostgreSQL: one `INSERT … SELECT * FROM UNNEST(%s::type[], …)` with a list per column
    (as Django's bulk_create does there: a plan for 37 parameters, not for 18,500); other
    databases: `VALUES (…), (…)` in chunks within the bound-parameter limit."""
    if connection.vendor == "postgresql" and len(rows) > 1:
        types = [f.db_type(connection).split("(")[0] for f in fields]  # type: ignore[union-attr]
        arrays = ", ".join(f"(%s)::{t}[]" for t in types)
        sql = f"{head} SELECT * FROM UNNEST({arrays}){tail}"  # noqa: S608 (types from the model)
        return [(sql, [list(column) for column in zip(*rows, strict=True)])]
    limit = min(connection.features.max_query_params or 65535, 65535)
    per_chunk = max(1, limit // len(fields))
    group = "(" + ", ".join(["%s"] * len(fields)) + ")"
    return [
        (
            f"{head} VALUES {', '.join([group] * len(chunk))}{tail}",
            [v for row in chunk for v in row],
        )
        for chunk in (rows[i : i + per_chunk] for i in range(0, len(rows), per_chunk))
    ]
