"""Aggregates kept up to date when snapshots arrive, so pages never scan raw snapshots.

`refresh_posts(variant_ids)` runs inside the transaction that wrote the snapshots: it
recomputes each post's PostMetrics (latest snapshot + the one closest to the evaluation
hour) and moves the difference between the post's old and new figures into DailyTotals
(publish day × account), SeriesTotals and OwnerTotals with `F()` increments, so concurrent
imports add up instead of overwriting each other. The posts' rows are locked first (in id
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

from django.db import IntegrityError, connection, models, transaction
from django.db.models import Count, F, Sum
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
    with connection.cursor() as cursor:
        for batch in chunks(rows, 5000):
            cursor.executemany(sql, [_params(prep, row) for row in batch])


def _params(prep: list[Callable[[Any], Any] | None], row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(v if p is None or v is None else p(v) for p, v in zip(prep, row, strict=True))


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
    dims: Row, snaps: list[Row], policy: rules.Policy, followers: Followers
) -> Row | None:
    """A post's PostMetrics field values from its dimensions and snapshots (None: no data)."""
    if not snaps:
        return None
    latest = max(snaps, key=lambda s: s["taken_at"])
    pick = rules.closest_to([s["hours_after_publish"] for s in snaps], policy.evaluation_hours)
    evaluation = snaps[pick] if pick is not None else latest
    now = _figures(latest)
    judged = _figures(evaluation)
    published_on = local_date(dims["published_at"])
    return {
        "organisation_id": dims["organisation_id"], "company_id": dims["company_id"],
        "project_id": dims["project_id"], "account_id": dims["account_id"],
        "platform_id": dims["platform_id"], "owner_id": dims["owner_id"],
        "series_id": dims["series_id"], "category_id": dims["item__category_id"],
        "form": dims["item__form"] or "", "published_at": dims["published_at"],
        "published_on": published_on,
        "followers_at_publish": followers.at(dims["account_id"], published_on),
        "snapshots": len(snaps), "latest_id": latest["id"], "latest_taken_at": latest["taken_at"],
        "evaluation_id": evaluation["id"],
        "evaluation_hours": evaluation["hours_after_publish"],
        **_totals(now, policy),
        "eval_exposure": rules.exposure(judged),
        "eval_interactions": rules.interactions(judged, policy),
        "eval_conversions": rules.conversions(judged),
    }  # fmt: skip


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
                  org_of: dict[int, int]) -> dict[int, list[Row]]:  # fmt: skip
    """Each post's snapshots, with figures loaded only for the two that matter (the latest
    and the one closest to the evaluation hour): a post may have many snapshots."""
    times: dict[int, list[tuple[int, dt.datetime, int | None]]] = defaultdict(list)
    light = MetricSnapshot.objects.filter(variant_id__in=variant_ids).values_list(
        "id", "variant_id", "taken_at", "hours_after_publish"
    )
    for pk, variant_id, taken_at, hours in light:
        times[variant_id].append((pk, taken_at, hours))
    wanted: set[int] = set()
    for variant_id, snaps in times.items():
        wanted.add(max(snaps, key=lambda s: s[1])[0])
        hours_at = policies[org_of[variant_id]].evaluation_hours
        pick = rules.closest_to([h for _, _, h in snaps], hours_at)
        if pick is not None:
            wanted.add(snaps[pick][0])
    full = {
        r["id"]: r for r in MetricSnapshot.objects.filter(pk__in=wanted).values(*SNAPSHOT_COLUMNS)
    }
    return {
        variant_id: [full.get(pk) or {"id": pk, "variant_id": variant_id, "taken_at": taken_at,
                                      "hours_after_publish": hours, "count_only": True}
                     for pk, taken_at, hours in snaps]
        for variant_id, snaps in times.items()
    }  # fmt: skip


def _computed(variant_ids: Collection[int]) -> dict[int, Row | None]:
    """New PostMetrics values of the given posts, from their snapshots."""
    dims = list(Variant.objects.filter(pk__in=variant_ids).values(*DIMENSIONS))
    policies = _policies(d["organisation_id"] for d in dims)
    followers = Followers({d["account_id"] for d in dims})
    snaps = _snapshots_of(variant_ids, policies, {d["id"]: d["organisation_id"] for d in dims})
    return {
        d["id"]: post_values(d, snaps.get(d["id"], []), policies[d["organisation_id"]], followers)
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


def _deltas(changes: Iterable[tuple[Row | None, Row | None]]) -> dict[Any, dict[str, int]]:
    out: dict[Any, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for old, new in changes:
        for sign, values in ((-1, old), (1, new)):
            if values is None:
                continue
            for model, key, figures in _contributions(values):
                for name, amount in figures.items():
                    out[model, key][name] += sign * amount
    return out


def _apply(model: type[models.Model], key: tuple[Any, ...], delta: dict[str, int]) -> None:
    """Add `delta` to one rollup row (creating it), safe against concurrent writers."""
    changed = {name: amount for name, amount in delta.items() if amount}
    if not changed:
        return
    names = next((k, e) for m, k, e in ROLLUP_KEYS if m is model)
    lookup = dict(zip(names[0], key[: len(names[0])], strict=True))
    increments = {name: F(name) + amount for name, amount in changed.items()}
    if model._default_manager.filter(**lookup).update(**increments):
        if changed.get("posts", 0) < 0:  # the group lost its last post: drop the empty row
            model._default_manager.filter(**lookup, posts=0).delete()
        return
    try:
        with transaction.atomic():
            extra = dict(zip(names[1], key[len(names[0]) :], strict=True))
            model._default_manager.create(**lookup, **extra, **changed)
    except IntegrityError:  # created meanwhile by a concurrent import
        model._default_manager.filter(**lookup).update(**increments)


def _apply_all(deltas: dict[Any, dict[str, int]]) -> None:
    """Apply many rollup deltas with a few queries: lock and update the existing rows in bulk,
    create the missing ones (falling back to per-row increments if a concurrent import
    created some of them first)."""
    for model, names, _extra in ROLLUP_KEYS:
        mine = {key: d for (m, key), d in deltas.items() if m is model and any(d.values())}
        if not mine:
            continue
        width = len(names)
        lookup = {f"{n}__in": {k[i] for k in mine} for i, n in enumerate(names)}
        rows = model._default_manager.select_for_update().filter(**lookup)
        existing = {tuple(getattr(r, n) for n in names): r for r in rows}
        changed: list[Any] = []
        empty: list[Any] = []
        missing: list[tuple[tuple[Any, ...], Row]] = []
        for key, delta in mine.items():
            row = existing.get(key[:width])
            if row is None:
                missing.append((key, delta))
                continue
            for name, amount in delta.items():
                setattr(row, name, getattr(row, name) + amount)
            (empty if row.posts <= 0 else changed).append(row)  # type: ignore[attr-defined]
        # The rows are locked: replacing them is safe and far faster than bulk_update.
        model._default_manager.filter(pk__in=[r.pk for r in (*changed, *empty)]).delete()
        columns = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
        insert_rows(model, columns, [tuple(getattr(r, c) for c in columns) for r in changed])
        _create_missing(model, missing)


def _create_missing(model: type[models.Model], missing: list[tuple[tuple[Any, ...], Row]]) -> None:
    names, extra = next((k, e) for m, k, e in ROLLUP_KEYS if m is model)
    fields = (*names, *extra)
    columns = [*fields, "posts", *TOTAL_FIELDS]
    rows = [(*key, *(delta.get(c, 0) for c in columns[len(fields) :])) for key, delta in missing]
    try:
        with transaction.atomic():
            insert_rows(model, columns, rows)
    except IntegrityError:  # some were created meanwhile by a concurrent import
        for key, delta in missing:
            _apply(model, key, delta)


def refresh_posts(variant_ids: Collection[int]) -> None:
    """Recompute the given posts' PostMetrics and move the difference into the rollups.

    Must run inside the transaction that changed their snapshots."""
    for batch in chunks(sorted(set(variant_ids))):
        list(Variant.objects.select_for_update().filter(pk__in=batch).order_by("pk").values("pk"))
        old: dict[int, Row] = {
            row["variant_id"]: dict(row)
            for row in PostMetrics.objects.filter(variant_id__in=batch).values()
        }
        new = _computed(batch)
        _save_posts(old, new)
        _apply_all(_deltas((old.get(pk), new.get(pk)) for pk in batch))


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
