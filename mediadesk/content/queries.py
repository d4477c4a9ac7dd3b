"""Reads of content planning, scoped to the asking user; pages, exports and the calendar call these.

Visibility: content.view in the record's scope; records of the organisation as a whole
(no company) are visible to every content viewer of the organisation. Editing needs
content.edit in the record's own scope.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.content import rules
from mediadesk.content.filters import AssetFilters, ItemFilters
from mediadesk.content.models import (
    Asset,
    BestTime,
    ContentItem,
    MarketingNode,
    Series,
    Status,
    TopicCategory,
    Variant,
)
from mediadesk.core import scopes
from mediadesk.core.errors import PermissionDenied
from mediadesk.core.models import AuditEntry
from mediadesk.matrix import queries as matrix_queries
from mediadesk.matrix.models import Account
from mediadesk.orgs.models import Company, Project
from mediadesk.orgs.roles import Perm

# Variants that no longer count towards a plan.
NOT_PLANNED = (Status.WITHDRAWN, Status.REJECTED)


def require_view(user: Any) -> None:
    """403 unless the user may see content somewhere."""
    scopes.require(scopes.has_perm(user, Perm.CONTENT_VIEW), _("没有查看内容计划的权限"))


def require_edit(user: Any) -> None:
    """403 unless the user may plan content somewhere (each write then checks its scope)."""
    scopes.require(scopes.has_perm(user, Perm.CONTENT_EDIT), _("没有编辑内容计划的权限"))


def can_edit(user: Any, obj: Any) -> bool:
    """content.edit in the scope of `obj` (an item, variant, series, node or asset)."""
    return scopes.allows(user, Perm.CONTENT_EDIT, obj)


def _view_q(user: Any) -> Q:
    return scopes.scope_q(user, Perm.CONTENT_VIEW, shared=True)


def visible_items(user: Any) -> QuerySet[ContentItem]:
    """Items (drafts included) in the user's content.view scopes."""
    return ContentItem.objects.filter(_view_q(user)).select_related(
        "category", "series", "owner", "company", "project", "marketing_node"
    )


def access_item(user: Any, pk: Any, *, for_write: bool = False) -> ContentItem:
    """The item if visible (else 404), and editable when `for_write` (else 403)."""
    item = scopes.get_or_404(visible_items(user), pk)
    if for_write and not can_edit(user, item):
        raise PermissionDenied(_("没有编辑该内容的权限"))
    return item


def visible_variants(user: Any) -> QuerySet[Variant]:
    return Variant.objects.filter(_view_q(user)).select_related(
        "item", "account", "platform", "owner", "series"
    )


def access_variant(user: Any, pk: Any, *, for_write: bool = False) -> Variant:
    """The variant if visible (else 404), and editable when `for_write` (else 403)."""
    variant = scopes.get_or_404(visible_variants(user), pk)
    if for_write and not can_edit(user, variant):
        raise PermissionDenied(_("没有编辑该平台稿的权限"))
    return variant


def variant_accounts(user: Any) -> QuerySet[Account]:
    """Accounts a variant may target: the live accounts the user can see in the matrix."""
    return matrix_queries.visible_accounts(user).order_by("level", "platform__sort", "name")


def day_range(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Aware [start 00:00, end+1 00:00) in the current time zone."""
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    return lo, dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)


def filter_items(qs: QuerySet[ContentItem], params: Mapping[str, Any]) -> QuerySet[ContentItem]:
    """The item list filters, shared by the page, its export and the API (ItemFilters)."""
    return ItemFilters.from_query(params).apply(qs)


def with_variants(qs: QuerySet[ContentItem]) -> QuerySet[ContentItem]:
    """Prefetch each item's variants with account and platform (list and export rows)."""
    return qs.prefetch_related(
        Prefetch(
            "variants", queryset=Variant.objects.select_related("platform", "account", "cover")
        ),
        "assets",
    )


def has_filters(params: Mapping[str, Any]) -> bool:
    return ItemFilters.from_query(params).is_filtered()


def reserve_items(user: Any) -> QuerySet[ContentItem]:
    """Reserve items (备选方案), ready to schedule: newest first."""
    return with_variants(visible_items(user).filter(is_reserve=True)).order_by("-updated_at")


def categories(organisation_id: int) -> QuerySet[TopicCategory]:
    return TopicCategory.objects.filter(organisation_id=organisation_id)


def visible_series(user: Any) -> QuerySet[Series]:
    return Series.objects.filter(_view_q(user)).select_related(
        "account__platform", "category", "company", "project"
    )


def visible_nodes(user: Any) -> QuerySet[MarketingNode]:
    return MarketingNode.objects.filter(_view_q(user)).select_related("company", "project")


def visible_assets(user: Any) -> QuerySet[Asset]:
    return Asset.objects.filter(_view_q(user)).select_related(
        "series", "project", "company", "uploaded_by"
    )


def editable_companies(user: Any) -> QuerySet[Company]:
    from mediadesk.orgs import queries as org_queries

    return org_queries.visible_companies(user, perm=Perm.CONTENT_EDIT)


def editable_projects(user: Any) -> QuerySet[Project]:
    from mediadesk.orgs import queries as org_queries

    return org_queries.visible_projects(user, perm=Perm.CONTENT_EDIT)


def org_wide_editor(user: Any) -> bool:
    """True if the user holds content.edit for a whole organisation (may leave scope empty)."""
    return any(
        g.company_id is None and g.project_id is None and Perm.CONTENT_EDIT in _perms(g.role)
        for g in scopes.grants(user)
    )


def _perms(role: str) -> frozenset[str]:
    from mediadesk.orgs.roles import perms_of

    return perms_of({role})


def default_scope(user: Any) -> tuple[Company | None, Project | None]:
    """Where a new record of `user` goes when nobody chose: org-wide for org editors,
    else the company of their first content.edit grant."""
    if org_wide_editor(user):
        return None, None
    for g in scopes.grants(user):
        if Perm.CONTENT_EDIT in _perms(g.role):
            if g.project_id:
                project = Project.objects.select_related("company").get(pk=g.project_id)
                return project.company, project
            if g.company_id is not None:
                return Company.objects.get(pk=g.company_id), None
    return None, None


# ---- marketing nodes -----------------------------------------------------------------------


@dataclass(frozen=True)
class NodeOccurrence:
    """One day-range of a marketing node in a calendar window."""

    node_id: int
    name: str
    kind: str
    kind_label: str
    start: dt.date
    end: dt.date  # inclusive


def nodes_between(user: Any, start: dt.date, end: dt.date) -> list[NodeOccurrence]:
    """Marketing nodes overlapping [start, end] (inclusive); monthly nodes expanded per month."""
    nodes = visible_nodes(user).filter(
        Q(monthly_day__isnull=False, starts_on__lte=end)
        | Q(monthly_day__isnull=True, starts_on__lte=end)
        & (Q(ends_on__gte=start) | Q(ends_on__isnull=True, starts_on__gte=start))
    )
    out: list[NodeOccurrence] = []
    for node in nodes:
        label = node.get_kind_display()
        if node.monthly_day:
            last = min(end, node.ends_on) if node.ends_on else end
            for day in rules.monthly_dates(node.monthly_day, max(start, node.starts_on), last):
                out.append(NodeOccurrence(node.pk, node.name, node.kind, label, day, day))
        else:
            out.append(
                NodeOccurrence(
                    node.pk, node.name, node.kind, label, node.starts_on,
                    node.ends_on or node.starts_on,
                )
            )  # fmt: skip
    return sorted(out, key=lambda o: (o.start, o.name))


# ---- best posting times --------------------------------------------------------------------


def _window(bt: BestTime) -> dict[str, Any]:
    overnight = bt.ends <= bt.starts
    ends = _("次日%(time)s") % {"time": f"{bt.ends:%H:%M}"} if overnight else f"{bt.ends:%H:%M}"
    prefix = _("周末 ") if bt.weekend else ""
    return {
        "weekend": bt.weekend, "starts": f"{bt.starts:%H:%M}", "ends": f"{bt.ends:%H:%M}",
        "overnight": overnight, "note": bt.note,
        "label": f"{prefix}{bt.starts:%H:%M}–{ends}" + (f"（{bt.note}）" if bt.note else ""),
    }  # fmt: skip


def best_times(platform_code: str) -> list[dict[str, Any]]:
    """The best-time windows of one platform: weekend, starts, ends ("HH:MM"), overnight,
    note and a Chinese label."""
    rows = BestTime.objects.filter(platform__code=platform_code).order_by("weekend", "starts")
    return [_window(bt) for bt in rows]


def best_time_hints() -> dict[str, str]:
    """platform code -> one line of hints, for the variant form (one query)."""
    hints: dict[str, list[str]] = defaultdict(list)
    for bt in BestTime.objects.select_related("platform").order_by("weekend", "starts"):
        hints[bt.platform.code].append(_window(bt)["label"])
    return {code: "；".join(labels) for code, labels in hints.items()}


# ---- the plan: quota vs planned vs published per series and ISO week ------------------------


@dataclass
class WeekCell:
    monday: dt.date
    quota: int
    planned: int = 0
    published: int = 0
    past: bool = False

    @property
    def short(self) -> bool:
        """Below quota: planned for current/future weeks, published for past weeks."""
        return self.missing > 0

    @property
    def missing(self) -> int:
        done = self.published if self.past else self.planned
        return max(0, self.quota - done)


@dataclass
class SeriesPlan:
    series: Series
    weeks: list[WeekCell] = field(default_factory=list)


def _local_day(value: dt.datetime) -> dt.date:
    return timezone.localtime(value).date()


def plan(user: Any, monday: dt.date, weeks: int = 6) -> list[SeriesPlan]:
    """Per active series and ISO week from `monday`: quota, planned and published counts.

    A series with an account counts only variants on that account (the quota is an
    account's); withdrawn and rejected variants do not count."""
    series = list(visible_series(user).filter(is_active=True).order_by("name"))
    mondays = [monday + dt.timedelta(weeks=i) for i in range(weeks)]
    this_week = rules.week_start(timezone.localdate())
    cells = {
        s.pk: {m: WeekCell(m, s.weekly_quota, past=m < this_week) for m in mondays} for s in series
    }
    lo, hi = day_range(mondays[0], mondays[-1] + dt.timedelta(days=6))
    rows = (
        Variant.objects.filter(series_id__in=cells)
        .exclude(status__in=NOT_PLANNED)
        .filter(
            Q(planned_at__gte=lo, planned_at__lt=hi) | Q(published_at__gte=lo, published_at__lt=hi)
        )
        .values_list("series_id", "account_id", "status", "planned_at", "published_at")
    )
    account_of = {s.pk: s.account_id for s in series}
    for series_id, account_id, status, planned_at, published_at in rows:
        if account_of[series_id] and account_id != account_of[series_id]:
            continue
        when = published_at or planned_at
        cell = cells[series_id].get(rules.week_start(_local_day(when))) if when else None
        if cell is None:
            continue
        cell.planned += 1
        cell.published += status == Status.PUBLISHED
    return [SeriesPlan(s, list(cells[s.pk].values())) for s in series]


# ---- history and reviewers -----------------------------------------------------------------


def item_history(item: ContentItem, variant_ids: Iterable[int]) -> QuerySet[AuditEntry]:
    """Audit entries of the item and of its variants, newest first."""
    ids = [str(pk) for pk in variant_ids]
    return (
        AuditEntry.objects.filter(
            Q(target_type="content_item", target_id=str(item.pk))
            | Q(target_type="variant", target_id__in=ids)
        )
        .select_related("actor")
        .order_by("-at", "-id")
    )


def approvers(item_ids: Iterable[int]) -> dict[int, list[str]]:
    """item id -> the people who approved a step of the item's latest review run."""
    from mediadesk.review.models import ReviewRun, StepState

    latest: dict[int, int] = {}
    for run_id, item_id in (
        ReviewRun.objects.filter(item_id__in=list(item_ids))
        .order_by("item_id", "-started_at", "-id")
        .values_list("id", "item_id")
    ):
        latest.setdefault(item_id, run_id)
    out: dict[int, list[str]] = defaultdict(list)
    run_item = {run: item for item, run in latest.items()}
    states = (
        StepState.objects.filter(run_id__in=list(run_item), status=StepState.Status.APPROVED)
        .select_related("acted_by")
        .order_by("run_id", "order")
    )
    for state in states:
        if state.acted_by is not None and str(state.acted_by) not in out[run_item[state.run_id]]:
            out[run_item[state.run_id]].append(str(state.acted_by))
    return dict(out)


# ---- assets ----------------------------------------------------------------------------------


LICENCE_STATES = (("valid", gettext_lazy("授权有效")), ("expiring", gettext_lazy("30天内到期")),
                  ("expired", gettext_lazy("已过期")), ("none", gettext_lazy("未授权")))  # fmt: skip


def licence_problem(asset: Asset, today: dt.date | None = None) -> str | None:
    """ "未取得授权" / "授权已过期" for an asset that may not be used, else None."""
    if asset.licence_type == Asset.Licence.NONE:
        return _("素材未取得授权")
    today = today or timezone.localdate()
    if asset.licence_expires_on is not None and asset.licence_expires_on < today:
        return _("素材授权已过期")
    return None


def filter_assets(qs: QuerySet[Asset], params: Mapping[str, Any]) -> QuerySet[Asset]:
    """The asset list filters: kind, tag, licence state, series, project, keyword."""
    return AssetFilters.from_query(params).apply(qs)
