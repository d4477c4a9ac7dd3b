"""Aggregates kept up to date when snapshots arrive, so pages never scan raw snapshots.

`refresh_posts(variant_ids)` runs inside the transaction that wrote the snapshots: it
recomputes each post's PostMetrics (latest snapshot + the one closest to the evaluation
hour) and moves the difference between the post's old and new figures into DailyTotals
(publish day × account), SeriesTotals and OwnerTotals with one upsert per rollup row
(`x = x + excluded.x`), so concurrent imports add up instead of overwriting each other. The posts' rows are locked first (in id
order) so two imports touching one post serialise.

`rebuild_aggregates()` recomputes everything from the snapshots (repair, and after the
organisation changes its 收藏/evaluation-hour settings); the rollups are then summed with
GROUP BY over PostMetrics — an independent path the tests compare the incremental one with.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from mediadesk.analytics import rules
from mediadesk.analytics.models import (
    TOTAL_FIELDS,
    AccountDaily,
    AnalyticsSettings,
    DailyTotals,
    MetricSnapshot,
    OwnerTotals,
    PostMetrics,
    SeriesTotals,
)
from mediadesk.content.models import Variant
from mediadesk.matrix.models import Account

CHUNK = 2000
SNAPSHOT_COLUMNS = ("id", "variant_id", "taken_at", "hours_after_publish", *rules.FIGURE_NAMES)
DIMENSIONS = (
    "id", "organisation_id", "company_id", "project_id", "account_id", "platform_id",
    "owner_id", "series_id", "item__category_id", "item__form", "published_at",
)  # fmt: skip
Row = dict[str, Any]
Picked = tuple[int, Row, Row]  # snapshot count, latest snapshot, evaluation snapshot


def chunks[T](items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    """`items` in lists of at most `size`."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def insert_rows(model: type[models.Model], columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Plain multi-row INSERT of many rows (no primary keys returned, no signals).

    The ORM's bulk_create compiles every value through its SQL compiler, which dominated a
    100,000-row import; here only values that need it are adapted for the database."""
    if not rows:
        return
    fields = [model._meta.get_field(c) for c in columns]
    prep = [_preparer(f) for f in fields]
    qn = connection.ops.quote_name
    names = ", ".join(qn(f.column) for f in fields)  # type: ignore[union-attr,arg-type]
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {qn(model._meta.db_table)} ({names}) VALUES ({marks})"  # noqa: S608 (quoted model metadata)
    adapt = _adapter(prep)
    with connection.cursor() as cursor:
        for batch in chunks(rows, 5000):
            cursor.executemany(sql, [adapt(row) for row in batch])


def _params(prep: list[Callable[[Any], Any] | None], row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(v if p is None or v is None else p(v) for p, v in zip(prep, row, strict=True))


def _adapter(prep: list[Callable[[Any], Any] | None]) -> Callable[[tuple[Any, ...]], Any]:
    """A function adapting a row's values with `prep`, touching only the columns that need it."""
    needed = [(i, p) for i, p in enumerate(prep) if p is not None]

    def adapt(row: tuple[Any, ...]) -> list[Any]:
        out = list(row)
        for i, p in needed:
            if out[i] is not None:
                out[i] = p(out[i])
        return out

    return adapt


def _preparer(field: Any) -> Callable[[Any], Any] | None:
    """How a field's value becomes a database parameter (None: passed as it is)."""
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.DecimalField):
        return lambda v: ops.adapt_decimalfield_value(v, field.max_digits, field.decimal_places)
    if isinstance(field, models.JSONField):
        return lambda v: field.get_db_prep_save(v, connection)
    return None


def local_date(when: dt.datetime | None) -> dt.date | None:
    """The Beijing-time date of an aware datetime."""
    return timezone.localtime(when).date() if when is not None else None


class Followers:
    """Followers at publish time: the account's last daily figure before the publish day,
    else Account.followers (loaded once for a set of accounts)."""

    def __init__(self, account_ids: Collection[int]) -> None:
        self.series: dict[int, tuple[list[dt.date], list[int]]] = {}
        daily = (
            AccountDaily.objects.filter(account_id__in=account_ids, followers__isnull=False)
            .order_by("account_id", "date")
            .values_list("account_id", "date", "followers")
        )
        for account_id, date, followers in daily:
            dates, counts = self.series.setdefault(account_id, ([], []))
            dates.append(date)
            counts.append(followers)
        self.current = dict(
            Account.objects.filter(pk__in=account_ids).values_list("pk", "followers")
        )

    def at(self, account_id: int, day: dt.date | None) -> int | None:
        dates, counts = self.series.get(account_id, ([], []))
        index = bisect.bisect_left(dates, day) if day is not None else 0
        return counts[index - 1] if index else self.current.get(account_id)


def post_values(
    dims: Row, snaps: Picked | None, policy: rules.Policy, followers: Followers
) -> Row | None:
    """A post's PostMetrics field values from its dimensions and its latest and evaluation
    snapshots (None: no data)."""
    if snaps is None:
        return None
    count, latest, evaluation = snaps
    published_on = local_date(dims["published_at"])
    return {
        "organisation_id": dims["organisation_id"], "company_id": dims["company_id"],
        "project_id": dims["project_id"], "account_id": dims["account_id"],
        "platform_id": dims["platform_id"], "owner_id": dims["owner_id"],
        "series_id": dims["series_id"], "category_id": dims["item__category_id"],
        "form": dims["item__form"] or "", "published_at": dims["published_at"],
        "published_on": published_on,
        "followers_at_publish": followers.at(dims["account_id"], published_on),
        "snapshots": count, **_latest_part(latest, policy), **_evaluation_part(evaluation, policy),
    }  # fmt: skip


LATEST_KEYS = ("latest_id", "latest_taken_at", *TOTAL_FIELDS)
EVALUATION_KEYS = (
    "evaluation_id", "evaluation_hours", "eval_exposure", "eval_interactions", "eval_conversions",
)  # fmt: skip


def _latest_part(latest: Row, policy: rules.Policy) -> Row:
    """The PostMetrics fields that come from the latest snapshot (kept: the previous values)."""
    if "kept" in latest:
        return {key: latest["kept"][key] for key in LATEST_KEYS}
    return {
        "latest_id": latest["id"],
        "latest_taken_at": latest["taken_at"],
        **_totals(_figures(latest), policy),
    }


def _evaluation_part(evaluation: Row, policy: rules.Policy) -> Row:
    """The PostMetrics fields that come from the evaluation snapshot."""
    if "kept" in evaluation:
        return {key: evaluation["kept"][key] for key in EVALUATION_KEYS}
    judged = _figures(evaluation)
    return {
        "evaluation_id": evaluation["id"],
        "evaluation_hours": evaluation["hours_after_publish"],
        "eval_exposure": rules.exposure(judged),
        "eval_interactions": rules.interactions(judged, policy),
        "eval_conversions": rules.conversions(judged),
    }


def _figures(snap: Row) -> rules.Figures:
    return rules.Figures(**{name: snap[name] for name in rules.FIGURE_NAMES})


def _totals(f: rules.Figures, policy: rules.Policy) -> Row:
    return {
        "exposure": rules.exposure(f),
        "impressions": f.impressions,
        "reads": f.reads,
        "likes": f.likes,
        "comments": f.comments,
        "shares": f.shares,
        "favourites": f.favourites,
        "interactions": rules.interactions(f, policy),
        "conversions": rules.conversions(f),
        "follower_gain": f.follower_gain,
        "clicks": f.clicks,
    }


def _policies(org_ids: Iterable[int]) -> dict[int, rules.Policy]:
    return {org_id: AnalyticsSettings.of(org_id).policy() for org_id in set(org_ids)}


def _snapshots_of(variant_ids: Collection[int], policies: dict[int, rules.Policy],
                  org_of: dict[int, int]) -> dict[int, Picked]:  # fmt: skip
    """Each post's snapshot count, latest snapshot and the one closest to the evaluation hour.

    Only those two are loaded with their figures (a post may have many snapshots); the light
    columns are read with a plain cursor because converting every taken_at dominated imports.
    """
    if not variant_ids:
        return {}
    times: dict[int, list[tuple[int, Any, int | None]]] = defaultdict(list)
    light = MetricSnapshot.objects.filter(variant_id__in=variant_ids).values_list(
        "id", "variant_id", "taken_at", "hours_after_publish"
    )
    sql, params = light.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for pk, variant_id, taken_at, hours in cursor.fetchall():
            times[variant_id].append((pk, taken_at, hours))
    picks: dict[int, tuple[int, int, int]] = {}
    for variant_id, snaps in times.items():
        latest = max(snaps, key=_instant)[0]
        hours_at = policies[org_of[variant_id]].evaluation_hours
        pick = rules.closest_to([h for _, _, h in snaps], hours_at)
        picks[variant_id] = (len(snaps), latest, snaps[pick][0] if pick is not None else latest)
    wanted = {pk for _, latest, evaluation in picks.values() for pk in (latest, evaluation)}
    full: dict[int, Row] = {}
    for batch in chunks(sorted(wanted), 5000):
        for row in MetricSnapshot.objects.filter(pk__in=batch).values(*SNAPSHOT_COLUMNS):
            full[row["id"]] = row
    return {v: (n, full[latest], full[evaluation]) for v, (n, latest, evaluation) in picks.items()}


def _instant(snap: tuple[int, Any, int | None]) -> Any:
    """A light snapshot's taken_at, comparable whether the driver returned it naive (UTC, as
    Django stores it on SQLite), aware, or as ISO text."""
    taken_at = snap[1]
    if isinstance(taken_at, str):
        taken_at = dt.datetime.fromisoformat(taken_at)
    return taken_at if taken_at.tzinfo else taken_at.replace(tzinfo=dt.UTC)


def _with_ids(
    batch_id: int, appended: Collection[int], inserted: dict[int, list[Row]]
) -> dict[int, list[Row]]:
    """The appended posts' inserted snapshot values with their new ids: ids grow in insertion
    order within the transaction, so one light query (id, post) of the batch pairs them up.
    A post whose count does not agree is left out (its snapshots are then read back)."""
    ids: dict[int, list[int]] = defaultdict(list)
    table = connection.ops.quote_name(MetricSnapshot._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, variant_id FROM {table} WHERE batch_id = %s ORDER BY id",  # noqa: S608
            [batch_id],
        )
        for pk, variant_id in cursor.fetchall():
            ids[variant_id].append(pk)
    out: dict[int, list[Row]] = {}
    for variant_id in appended:
        rows, found = inserted.get(variant_id, []), ids.get(variant_id, [])
        if rows and len(rows) == len(found):
            out[variant_id] = [{**row, "id": pk} for row, pk in zip(rows, found, strict=True)]
    return out


def _advanced(old: dict[int, Row], appended: Collection[int], batch_id: int,
              policies: dict[int, rules.Policy],
              given: dict[int, list[Row]] | None = None) -> dict[int, Picked]:  # fmt: skip
    """Picks of posts that only gained snapshots in batch `batch_id`: their previous latest and
    evaluation snapshots (stand-ins carrying the previous PostMetrics values) against the new
    ones, without reading their older snapshots. Posts where this could differ from a full
    recompute (unknown or equal hours) are left out for the full path."""
    base = {pk: old[pk] for pk in appended if _advanceable(old.get(pk))}
    if not base:
        return {}
    added: dict[int, list[Row]] = defaultdict(list)
    if given is not None:
        added.update((pk, given[pk]) for pk in base if pk in given)
    unknown = [pk for pk in base if pk not in added]
    if unknown:
        rows = MetricSnapshot.objects.filter(batch_id=batch_id, variant_id__in=unknown)
        for row in rows.values(*SNAPSHOT_COLUMNS):
            added[row["variant_id"]].append(row)
    out: dict[int, Picked] = {}
    for pk, metrics in base.items():
        new = added.get(pk, [])
        hours = [r["hours_after_publish"] for r in new]
        if not new or None in hours or len(set(hours)) < len(hours):
            continue
        if metrics["evaluation_hours"] in hours:
            continue
        kept_latest = {"id": metrics["latest_id"], "taken_at": metrics["latest_taken_at"],
                       "kept": metrics}  # fmt: skip
        candidates = [{"hours_after_publish": metrics["evaluation_hours"], "kept": metrics}, *new]
        target = policies[metrics["organisation_id"]].evaluation_hours
        pick = rules.closest_to([r["hours_after_publish"] for r in candidates], target) or 0
        latest = max([kept_latest, *new], key=lambda r: r["taken_at"])
        out[pk] = (metrics["snapshots"] + len(new), latest, candidates[pick])
    return out


def _advanceable(metrics: Row | None) -> bool:
    return metrics is not None and None not in (
        metrics["latest_id"], metrics["latest_taken_at"], metrics["evaluation_id"],
        metrics["evaluation_hours"],
    )  # fmt: skip


def _computed(variant_ids: Collection[int], old: dict[int, Row] | None = None,
              appended: Collection[int] = (), batch_id: int | None = None,
              added: dict[int, list[Row]] | None = None) -> dict[int, Row | None]:  # fmt: skip
    """New PostMetrics values of the given posts, from their snapshots (posts in `appended`
    only gained snapshots in batch `batch_id`: advanced from their `old` values when safe;
    `added`: those snapshots, when the caller already has them)."""
    dims = list(Variant.objects.filter(pk__in=variant_ids).values(*DIMENSIONS))
    policies = _policies(d["organisation_id"] for d in dims)
    followers = Followers({d["account_id"] for d in dims})
    snaps = (
        _advanced(old or {}, appended, batch_id, policies, added) if batch_id and appended else {}
    )
    rest = [d["id"] for d in dims if d["id"] not in snaps]
    snaps |= _snapshots_of(rest, policies, {d["id"]: d["organisation_id"] for d in dims})
    return {
        d["id"]: post_values(d, snaps.get(d["id"]), policies[d["organisation_id"]], followers)
        for d in dims
    }


ROLLUP_KEYS: tuple[tuple[type[models.Model], tuple[str, ...], tuple[str, ...]], ...] = (
    (DailyTotals, ("account_id", "date"), ("organisation_id", "platform_id", "company_id",
                                           "project_id")),
    (SeriesTotals, ("series_id",), ("organisation_id",)),
    (OwnerTotals, ("organisation_id", "owner_id"), ()),
)  # fmt: skip


def _contributions(values: Row) -> Iterator[tuple[type[models.Model], tuple[Any, ...], Row]]:
    """The rollup rows a post's figures count towards, with the figures."""
    figures = {name: values[name] or 0 for name in TOTAL_FIELDS}
    figures["posts"] = 1
    keyed = {**values, "date": values["published_on"]}
    for model, key, extra in ROLLUP_KEYS:
        if all(keyed[name] is not None for name in key):
            yield model, tuple(keyed[name] for name in (*key, *extra)), figures


Deltas = dict[tuple[type[models.Model], tuple[Any, ...]], dict[str, int]]


def _deltas(changes: Iterable[tuple[Row | None, Row | None]], out: Deltas) -> Deltas:
    """Add the rollup differences of posts changing from `old` to `new` figures to `out`."""
    for old, new in changes:
        for sign, values in ((-1, old), (1, new)):
            if values is None:
                continue
            for model, key, figures in _contributions(values):
                delta = out.get((model, key))
                if delta is None:
                    delta = out[model, key] = dict.fromkeys(figures, 0)
                for name, amount in figures.items():
                    delta[name] += sign * amount
    return out


def _apply_all(deltas: Deltas) -> None:
    """Add the deltas to the rollup rows, creating missing ones: one upsert per key
    (INSERT … ON CONFLICT DO UPDATE SET x = x + excluded.x, the same SQL on SQLite and
    PostgreSQL), so concurrent imports add up instead of overwriting each other. Keys whose
    group lost posts already exist and are updated in place; emptied groups are dropped."""
    for model, names, extra in ROLLUP_KEYS:
        mine = sorted(
            ((key, d) for (m, key), d in deltas.items() if m is model and any(d.values())),
            key=lambda kd: kd[0][: len(names)],  # a fixed order: no deadlock between imports
        )
        if not mine:
            continue
        figures = ["posts", *TOTAL_FIELDS]
        shrinking = [(k, d) for k, d in mine if d["posts"] < 0]
        _increment(model, names, figures, shrinking)
        _upsert(model, (*names, *extra), len(names), figures,
                [(k, d) for k, d in mine if d["posts"] >= 0])  # fmt: skip
        if shrinking:  # a group that lost its last post: drop the empty row
            lookup = {f"{n}__in": {k[i] for k, _ in shrinking} for i, n in enumerate(names)}
            model._default_manager.filter(**lookup, posts=0).delete()


def _increment(model: type[models.Model], names: tuple[str, ...], figures: list[str],
               keyed: list[tuple[tuple[Any, ...], Row]]) -> None:  # fmt: skip
    """UPDATE existing rollup rows by the deltas, one statement per key."""
    if not keyed:
        return
    qn, table = connection.ops.quote_name, connection.ops.quote_name(model._meta.db_table)
    sets = ", ".join(f"{qn(c)} = {qn(c)} + %s" for c in figures)
    where = " AND ".join(f"{qn(_column(model, n))} = %s" for n in names)
    prep = [_preparer(model._meta.get_field(n)) for n in names]
    sql = f"UPDATE {table} SET {sets} WHERE {where}"  # noqa: S608 (quoted model metadata)
    rows = [(*(d[c] for c in figures), *_params(prep, k[: len(names)])) for k, d in keyed]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _upsert(model: type[models.Model], fields: tuple[str, ...], width: int, figures: list[str],
            keyed: list[tuple[tuple[Any, ...], Row]]) -> None:  # fmt: skip
    """INSERT rollup rows, adding to the existing ones on a key conflict."""
    if not keyed:
        return
    qn, table = connection.ops.quote_name, connection.ops.quote_name(model._meta.db_table)
    columns = [_column(model, n) for n in (*fields, *figures)]
    conflict = ", ".join(qn(c) for c in columns[:width])
    sets = ", ".join(f"{qn(c)} = {table}.{qn(c)} + excluded.{qn(c)}" for c in figures)
    sql = (f"INSERT INTO {table} ({', '.join(qn(c) for c in columns)}) "  # noqa: S608
           f"VALUES ({', '.join(['%s'] * len(columns))}) "
           f"ON CONFLICT ({conflict}) DO UPDATE SET {sets}")  # fmt: skip
    prep = [_preparer(model._meta.get_field(n)) for n in fields] + [None] * len(figures)
    rows = [_params(prep, (*k, *(d[c] for c in figures))) for k, d in keyed]
    with connection.cursor() as cursor:
        for batch in chunks(rows, 5000):
            cursor.executemany(sql, batch)


def _column(model: type[models.Model], name: str) -> str:
    return model._meta.get_field(name).column  # type: ignore[union-attr,return-value]


def refresh_posts(
    variant_ids: Collection[int], *, batch_id: int | None = None, appended: Collection[int] = (),
    inserted: dict[int, list[Row]] | None = None,
) -> None:  # fmt: skip
    """Recompute the given posts' PostMetrics and move the difference into the rollups.

    Must run inside the transaction that changed their snapshots. `appended`: posts whose only
    change is snapshots inserted by import batch `batch_id` (their older snapshots need not
    be read again). `inserted`: those snapshots' values as the import wrote them, per post in
    insertion order (without ids): then only their new ids are read back, not their figures."""
    appended = set(appended)
    added = _with_ids(batch_id, appended, inserted) if batch_id and inserted else None
    deltas: Deltas = {}
    for batch in chunks(sorted(set(variant_ids))):
        list(Variant.objects.select_for_update().filter(pk__in=batch).order_by("pk").values("pk"))
        old: dict[int, Row] = {
            row["variant_id"]: dict(row)
            for row in PostMetrics.objects.filter(variant_id__in=batch).values()
        }
        new = _computed(batch, old, appended.intersection(batch), batch_id, added)
        _save_posts(old, new)
        _deltas(((old.get(pk), new.get(pk)) for pk in batch), deltas)
    _apply_all(deltas)


def _save_posts(old: dict[int, Row], new: dict[int, Row | None]) -> None:
    """Replace the posts' PostMetrics rows (delete + insert: much faster than bulk_update's
    CASE expressions, and nothing references these derived rows)."""
    PostMetrics.objects.filter(variant_id__in=list(old)).delete()
    columns = [f.attname for f in PostMetrics._meta.concrete_fields if not f.primary_key]
    rows = [(pk, *(values[c] for c in columns)) for pk, values in new.items() if values is not None]
    insert_rows(PostMetrics, ["variant_id", *columns], rows)


@transaction.atomic
def rebuild_aggregates(organisation_id: int | None = None) -> int:
    """Recompute PostMetrics and every rollup from the snapshots; returns the posts counted."""
    scope = {"organisation_id": organisation_id} if organisation_id else {}
    for model in (PostMetrics, DailyTotals, SeriesTotals, OwnerTotals):
        model._default_manager.filter(**scope).delete()
    ids = (
        MetricSnapshot.objects.filter(**scope)
        .order_by("variant_id")
        .values_list("variant_id", flat=True)
        .distinct()
    )
    posts = 0
    for batch in chunks(ids.iterator()):
        _save_posts({}, _computed(batch))
        posts += len(batch)
    _rebuild_rollups(scope)
    return posts


def _sums() -> dict[str, Any]:
    sums: dict[str, Any] = {name: Sum(name, default=0) for name in TOTAL_FIELDS}
    return {**sums, "posts": Count("pk")}


def _rebuild_rollups(scope: Row) -> None:
    metrics = PostMetrics.objects.filter(**scope).order_by()
    daily = metrics.filter(published_on__isnull=False).values(
        "account_id", "published_on", "organisation_id", "platform_id", "company_id", "project_id"
    )
    DailyTotals.objects.bulk_create(
        [
            DailyTotals(date=row.pop("published_on"), **row)  # type: ignore[misc]
            for row in map(dict, daily.annotate(**_sums()))
        ],
        batch_size=500,
    )
    series = metrics.filter(series_id__isnull=False).values("series_id", "organisation_id")
    SeriesTotals.objects.bulk_create(
        [SeriesTotals(**row) for row in series.annotate(**_sums())], batch_size=500
    )
    owners = metrics.values("organisation_id", "owner_id")
    OwnerTotals.objects.bulk_create(
        [OwnerTotals(**row) for row in owners.annotate(**_sums())], batch_size=500
    )


def refresh_followers(changed_from: dict[int, dt.date]) -> None:
    """Recompute 发布时粉丝数 of the posts published after an account's daily figures changed
    ({account id: earliest changed date}); the rollups do not depend on it."""
    followers = Followers(list(changed_from))
    for account_id, since in changed_from.items():
        posts = PostMetrics.objects.filter(account_id=account_id, published_on__gt=since)
        stale: dict[int | None, list[int]] = defaultdict(list)  # new value → posts
        rows = posts.values_list("variant_id", "published_on", "followers_at_publish")
        for pk, day, before in rows:
            now = followers.at(account_id, day)
            if now != before:
                stale[now].append(pk)
        for now, ids in stale.items():  # posts of one day share the value: few UPDATEs
            for batch in chunks(ids, 1000):
                PostMetrics.objects.filter(pk__in=batch).update(followers_at_publish=now)
