"""Reads of the content calendar (02-content-review.md · Planning, "Calendar").

The feed never loads more rows than the calendar shows: one query ranks each day's variants
by time (a window function partitioned by the local date) and returns only the first few of
each day together with the day's total, from which a "+N" event is made; a second reads the
titles, platform and account of just those rows.

Dates cross the wire as Asia/Shanghai wall times without an offset: FullCalendar runs with
the named zone (and no time-zone plugin), so it shows such strings as they are and sends its
range and dropped times the same way, whatever the browser's own zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django import forms
from django.db.models import BooleanField, Case, Count, F, Q, QuerySet, Value, When, Window
from django.db.models.functions import Coalesce, RowNumber, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.content import queries, services
from mediadesk.content.models import Status, Variant
from mediadesk.core import scopes
from mediadesk.core.params import MAX_ID
from mediadesk.orgs.roles import Perm

# Variants shown per local day before a "+N" event, by the length of the shown range: the
# range tells the views apart (FullCalendar asks for a new range before it reports the new
# view): a month grid, a week (time grid or list) or one day.
MONTH_CAP, WEEK_CAP, DAY_CAP = 3, 8, 50
VIEWS = ("dayGridMonth", "timeGridWeek", "listWeek", "timeGridDay", "listDay")
MAX_SPAN = dt.timedelta(days=45)  # a month grid shows 6 weeks
PLATFORM_COLOURS = {
    "douyin": "#1f1f2e",
    "wechat_mp": "#07a35a",
    "wechat_channels": "#e8850c",
    "weibo": "#d9272e",
    "xiaohongshu": "#e0245e",
    "bilibili": "#0098cf",
    "zhihu": "#3355cc",
    "kuaishou": "#f0620a",
    "wechat_miniprogram": "#6f42c1",
    "website": "#6c757d",
}
OTHER_COLOUR = "#495057"
NODE_COLOURS = {
    "holiday": "#ffe3e3",
    "promotion": "#fff3cd",
    "project": "#d3f9d8",
    "live": "#e5dbff",
}
DETAIL_FIELDS = ("id", "item_id", "title", "item__title", "status", "platform__code",
                 "platform__name", "account__name", "can_edit")  # fmt: skip


def can_view(user: Any) -> bool:
    return scopes.has_perm(user, Perm.CONTENT_VIEW)


class FilterForm(forms.Form):
    """The calendar's filters: account, owner, series, status, platform."""

    account = forms.IntegerField(
        label=gettext_lazy("账号"), required=False, min_value=1, max_value=MAX_ID
    )
    owner = forms.IntegerField(
        label=gettext_lazy("负责人"), required=False, min_value=1, max_value=MAX_ID
    )
    series = forms.IntegerField(
        label=gettext_lazy("专辑/系列"), required=False, min_value=1, max_value=MAX_ID
    )
    status = forms.ChoiceField(
        label=gettext_lazy("状态"), required=False, choices=[("", ""), *Status.choices]
    )
    platform = forms.SlugField(label=gettext_lazy("平台"), required=False, max_length=30)


class FeedForm(FilterForm):
    """A feed request: the shown range, plus the filters."""

    start = forms.DateTimeField(label=gettext_lazy("开始时间"))
    end = forms.DateTimeField(label=gettext_lazy("结束时间"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and not (start < end <= start + MAX_SPAN):
            self.add_error("end", _("时间范围无效：结束时间须晚于开始时间，且跨度不超过45天"))
        return data


class RescheduleForm(forms.Form):
    """The new planned time of a dragged variant (Asia/Shanghai when it has no offset)."""

    planned_at = forms.DateTimeField(label=gettext_lazy("计划发布时间"))


def cap_for(start: dt.datetime, end: dt.datetime) -> int:
    """How many variants a day shows in a range this long."""
    span = end - start
    if span <= dt.timedelta(days=1):
        return DAY_CAP
    return WEEK_CAP if span <= dt.timedelta(days=7) else MONTH_CAP


def form_errors(form: forms.Form) -> list[dict[str, str]]:
    """The form's errors in the API's {field, message} shape, labelled in the user's language."""
    out = []
    for name, messages in form.errors.items():
        label = str(form.fields[name].label) if name in form.fields else ""
        out += [
            {"field": name, "message": _("%(label)s：%(message)s") % {"label": label, "message": m}
             if label else str(m)}
            for m in messages
        ]  # fmt: skip
    return out


def apply_filters(qs: QuerySet[Variant], data: dict[str, Any]) -> QuerySet[Variant]:
    """Narrow variants by the cleaned filter values that are set."""
    lookups = {
        "account": "account_id",
        "owner": "owner_id",
        "series": "series_id",
        "status": "status",
        "platform": "platform__code",
    }
    return qs.filter(**{lookups[k]: v for k, v in data.items() if k in lookups and v})


def _editable(user: Any) -> Case | Value:
    """Whether the user may move each row: content.edit in its scope and a status the
    reschedule service accepts."""
    if not scopes.has_perm(user, Perm.CONTENT_EDIT):
        return Value(False)
    return Case(
        When(
            Q(scopes.scope_q(user, Perm.CONTENT_EDIT)) & ~Q(status__in=services.LOCKED_VARIANT),
            then=True,
        ),
        default=False,
        output_field=BooleanField(),
    )


class LocalDate(TruncDate):
    """TruncDate that, on SQLite and for a zone whose offset is constant over the shown range,
    uses the built-in date() instead of Django's per-row Python time-zone function (which
    makes the 10,000-row month feed several times slower)."""

    def __init__(self, expression: Any, *, offset: dt.timedelta | None) -> None:
        super().__init__(expression, tzinfo=timezone.get_default_timezone())
        self.offset = offset

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        if self.offset is None:
            return self.as_sql(compiler, connection, **extra)
        sql, params = compiler.compile(self.lhs)
        return f"date({sql}, %s)", (*params, f"{self.offset.total_seconds() / 60:+.0f} minutes")


def _fixed_offset(start: dt.datetime, end: dt.datetime) -> dt.timedelta | None:
    """The default zone's UTC offset if it is the same at both ends of the range (a range of
    at most MAX_SPAN cannot hold two daylight-saving switches)."""
    tz = timezone.get_default_timezone()
    first, last = start.astimezone(tz).utcoffset(), end.astimezone(tz).utcoffset()
    return first if first == last else None


def ranked_rows(
    user: Any, qs: QuerySet[Variant], start: dt.datetime, end: dt.datetime, cap: int
) -> list[dict[str, Any]]:
    """Variants shown in [start, end) at their publish (else planned) time: each local day's
    first `cap` by time as {id, at, day, rank, day_total}. The window runs over these few
    columns only; the details of the kept rows are read afterwards (`capped_rows`)."""
    in_range = Q(published_at__gte=start, published_at__lt=end) | Q(
        published_at__isnull=True, planned_at__gte=start, planned_at__lt=end
    )
    day, order = F("day"), [F("at").asc(), F("id").asc()]
    ranked = (
        # The organisation term is implied by any scope; it lets a company- or project-scoped
        # user's query use the (organisation, planned_at/published_at) indexes.
        qs.filter(in_range, organisation_id__in=scopes.organisation_ids(user))
        .annotate(at=Coalesce("published_at", "planned_at"))
        .annotate(day=LocalDate("at", offset=_fixed_offset(start, end)))
        .annotate(
            rank=Window(RowNumber(), partition_by=[day], order_by=order),
            day_total=Window(Count("id"), partition_by=[day]),
        )
    )
    fields = ("id", "at", "day", "rank", "day_total")
    return list(ranked.filter(rank__lte=cap).values(*fields).order_by("at", "id"))


def capped_rows(
    user: Any, qs: QuerySet[Variant], start: dt.datetime, end: dt.datetime, cap: int
) -> list[dict[str, Any]]:
    """`ranked_rows` with each row's details (titles, platform, account, editability), in
    time order. Two queries, whatever the number of variants in the range."""
    ranked = ranked_rows(user, qs, start, end, cap)
    details = Variant.objects.filter(pk__in=[r["id"] for r in ranked]).annotate(
        can_edit=_editable(user)
    )
    by_id = {d["id"]: d for d in details.values(*DETAIL_FIELDS)}
    return [{**by_id[r["id"]], **r} for r in ranked if r["id"] in by_id]


def item_url_pattern() -> str:
    """The item page's URL with "{}" for the id (reversed once per feed, not per event)."""
    return reverse("content:item", args=[MAX_ID]).replace(str(MAX_ID), "{}")


def local_days(start: dt.datetime, end: dt.datetime) -> tuple[dt.date, dt.date]:
    """The first and last local dates of the half-open range [start, end)."""
    last = timezone.localtime(end - dt.timedelta(microseconds=1))
    return timezone.localtime(start).date(), last.date()


def wall_time(value: dt.datetime) -> str:
    """An aware time as an offset-less Asia/Shanghai wall time (see the module docstring)."""
    return timezone.localtime(value).replace(tzinfo=None).isoformat(timespec="minutes")


def variant_event(row: dict[str, Any], item_url: str) -> dict[str, Any]:
    """One FullCalendar event for a variant row of `capped_rows`."""
    colour = PLATFORM_COLOURS.get(row["platform__code"], OTHER_COLOUR)
    return {
        "id": str(row["id"]),
        "title": row["title"] or row["item__title"],
        "start": wall_time(row["at"]),
        "backgroundColor": colour,
        "borderColor": colour,
        "classNames": [f"md-cal-status-{row['status']}"],
        "startEditable": bool(row["can_edit"]),
        "url": item_url.format(row["item_id"]),
        "extendedProps": {
            "kind": "variant",
            "rank": row["rank"],
            "status": row["status"],
            "statusLabel": str(Status(row["status"]).label),
            "platform": row["platform__name"],
            "account": row["account__name"],
        },
    }


def more_event(day: dt.date, hidden: int, *, last_rank: int) -> dict[str, Any]:
    """The "+N" event of a day whose variants do not all fit."""
    return {
        "id": f"more-{day.isoformat()}",
        "title": _("+%(n)s 条") % {"n": hidden},
        "start": day.isoformat(),
        "allDay": True,
        "editable": False,
        "classNames": ["md-cal-more"],
        "extendedProps": {"kind": "more", "rank": last_rank + 1, "date": day.isoformat(),
                          "hidden": hidden},
    }  # fmt: skip


# Apps above content (publishing) refine a variant's calendar status: each overlay maps
# variant ids to (status code, label), e.g. 发布失败 / 待人工发布 / 发布中.
STATUS_OVERLAYS: list[Callable[[list[int]], dict[int, tuple[str, str]]]] = []

# Apps above content add events of their own (live: the sessions, in their own colour);
# each hook gets the user and the shown range and returns FullCalendar events.
EXTRA_EVENTS: list[Callable[[Any, dt.datetime, dt.datetime], list[dict[str, Any]]]] = []


def extra_events(user: Any, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """The events the EXTRA_EVENTS hooks add for the shown range."""
    return [event for hook in EXTRA_EVENTS for event in hook(user, start, end)]


def _overlay(event: dict[str, Any], found: tuple[str, str] | None) -> dict[str, Any]:
    if found is not None:
        event["classNames"] = [f"md-cal-status-{found[0]}"]
        event["extendedProps"].update(status=found[0], statusLabel=found[1])
    return event


def variant_events(rows: Iterable[dict[str, Any]], cap: int) -> list[dict[str, Any]]:
    """Events for the rows plus one "+N" event per day with hidden variants."""
    item_url = item_url_pattern()
    rows = list(rows)
    overlay: dict[int, tuple[str, str]] = {}
    for hook in STATUS_OVERLAYS:
        overlay.update(hook([row["id"] for row in rows]))
    events = []
    for row in rows:
        events.append(_overlay(variant_event(row, item_url), overlay.get(row["id"])))
        if row["rank"] == 1 and row["day_total"] > cap:
            events.append(more_event(row["day"], row["day_total"] - cap, last_rank=cap))
    return events


def with_colours(platforms: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Platform rows with the colour their events are drawn in (for filters and legend)."""
    return [{**p, "colour": PLATFORM_COLOURS.get(p["code"], OTHER_COLOUR)} for p in platforms]


def date_param(value: Any) -> str:
    """A YYYY-MM-DD query parameter to open the calendar on, or "" when not a valid date."""
    try:
        return dt.date.fromisoformat(str(value or "")).isoformat()
    except ValueError:
        return ""


def node_events(nodes: Iterable[queries.NodeOccurrence]) -> list[dict[str, Any]]:
    """Marketing-node occurrences as all-day background events."""
    return [
        {
            "id": f"node-{n.node_id}-{n.start.isoformat()}",
            "title": f"{n.kind_label}·{n.name}",
            "start": n.start.isoformat(),
            "end": (n.end + dt.timedelta(days=1)).isoformat(),  # FullCalendar's end is exclusive
            "allDay": True,
            "display": "background",
            "backgroundColor": NODE_COLOURS.get(n.kind, "#fff3cd"),
            "classNames": ["md-cal-node"],
            "extendedProps": {"kind": "node"},
        }
        for n in nodes
    ]


def best_time_legend(platforms: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per platform (rows with code and name), its best posting windows; platforms without
    windows are left out."""
    out = []
    for p in platforms:
        windows = queries.best_times(p["code"])
        if windows:
            out.append({"code": p["code"], "name": p["name"], "windows": windows})
    return out
