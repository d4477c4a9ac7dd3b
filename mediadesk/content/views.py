"""Content planning pages: plan, items and variants, reserve, series, categories, nodes,
assets, best times, template-1 export/import. Thin: queries read, services write."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mediadesk.content import exports, findings, imports, queries, rules, services
from mediadesk.content.filters import AssetFilters, ItemFilters, NodeFilters, SeriesFilters
from mediadesk.content.forms import (
    AssetForm,
    BestTimeForm,
    CategoryForm,
    ImportForm,
    ItemForm,
    NodeForm,
    RangeForm,
    SeriesForm,
    VariantForm,
    apply_errors,
)
from mediadesk.content.models import (
    Asset,
    BestTime,
    ContentItem,
    Form,
    MarketingNode,
    Series,
    Status,
    TopicCategory,
)
from mediadesk.core import audit, excel, scopes
from mediadesk.core.errors import PermissionDenied
from mediadesk.core.imports import discard, stash_upload, unstash
from mediadesk.core.params import id_param
from mediadesk.matrix.queries import active_platforms
from mediadesk.orgs import queries as org_queries
from mediadesk.orgs.roles import Perm

PAGE_SIZE = 30
IMPORT_SESSION_KEY = "content_plan_import"


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    user = request.user
    return render(request, template, {
        "nav_active": "content",
        "can_edit": scopes.has_perm(user, Perm.CONTENT_EDIT),
        "can_platforms": scopes.has_perm(user, Perm.PLATFORMS_MANAGE), **context,
    })  # fmt: skip


def _params(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _org(request: HttpRequest) -> Any:
    return request.user.organisation  # type: ignore[union-attr]


# ---- the plan -------------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    """The plan: quota vs planned vs published per series and ISO week."""
    queries.require_view(request.user)
    this_week = rules.week_start(timezone.localdate())
    monday = rules.parse_week(request.GET.get("week", "")) or this_week - dt.timedelta(weeks=1)
    plan = queries.plan(request.user, monday, weeks=6)
    weeks = [monday + dt.timedelta(weeks=i) for i in range(6)]
    return _page(request, "content/home.html", {
        "plan": plan, "weeks": [(m, rules.week_label(m), m == this_week) for m in weeks],
        "prev_week": rules.week_label(monday - dt.timedelta(weeks=4)),
        "next_week": rules.week_label(monday + dt.timedelta(weeks=4)),
        "short_count": sum(
            1 for p in plan for c in p.weeks
            if c.short and this_week <= c.monday <= this_week + dt.timedelta(weeks=1)
        ),
        "reserve_count": queries.visible_items(request.user).filter(is_reserve=True).count(),
        "range": RangeForm(initial={"start": this_week, "end": this_week + dt.timedelta(days=6)}),
    })  # fmt: skip


# ---- items ----------------------------------------------------------------------------------


def _filtered_items(request: HttpRequest) -> Any:
    items = ItemFilters.from_query(request.GET).sorted(queries.visible_items(request.user))
    return queries.with_variants(items)


def _item_filter_options(user: Any) -> dict[str, Any]:
    return {
        "statuses": Status.choices, "forms": Form.choices,
        "series_list": queries.visible_series(user).order_by("name"),
        "category_list": queries.categories(user.organisation_id),
        "owners": org_queries.colleagues(user), "platforms": active_platforms(),
        "accounts": queries.variant_accounts(user),
    }  # fmt: skip


def items(request: HttpRequest) -> HttpResponse:
    queries.require_view(request.user)
    page = Paginator(_filtered_items(request), PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(request, "content/items.html", {
        "page": page, "params": _params(request), "filtered": queries.has_filters(request.GET),
        **_item_filter_options(request.user),
    })  # fmt: skip


def items_export(request: HttpRequest) -> HttpResponse:
    queries.require_view(request.user)
    rows = exports.item_rows(_filtered_items(request)[: exports.EXPORT_LIMIT])
    name = _("内容列表-%(stamp)s.xlsx") % {"stamp": exports.stamp()}
    return excel.xlsx_response(name, exports.item_headers(), rows)


def reserve(request: HttpRequest) -> HttpResponse:
    queries.require_view(request.user)
    page = Paginator(queries.reserve_items(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return _page(request, "content/reserve.html", {"page": page, "params": _params(request)})


def _save_item(
    request: HttpRequest, form: ItemForm, item: ContentItem | None
) -> ContentItem | None:
    try:
        if item is None:
            return services.create_item(
                by=request.user, organisation=_org(request), values=form.values()
            )
        return services.update_item(item, by=request.user, values=form.values())
    except (ValidationError, PermissionDenied) as exc:
        apply_errors(form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc)))
        return None


def item_create(request: HttpRequest) -> HttpResponse:
    queries.require_edit(request.user)
    services.ensure_categories(_org(request), by=request.user)
    initial: dict[str, Any] = {"is_reserve": request.GET.get("reserve") == "1"}
    if series_id := id_param(request.GET.get("series")):
        initial["series"] = series_id
    form = ItemForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        item = _save_item(request, form, None)
        if item is not None:
            messages.success(
                request,
                _("已创建内容“%(title)s”，请为每个目标账号添加平台稿") % {"title": item.title},
            )
            return redirect("content:item", item.pk)
    return _page(request, "content/item_form.html", {"form": form, "item": None})


def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = queries.access_item(request.user, pk, for_write=True)
    form = ItemForm(request.POST or None, user=request.user, item=item)
    if request.method == "POST" and form.is_valid() and _save_item(request, form, item):
        messages.success(request, _("已保存"))
        return redirect("content:item", item.pk)
    return _page(request, "content/item_form.html", {"form": form, "item": item})


def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = queries.access_item(request.user, pk)
    variants = list(
        item.variants.select_related("account", "platform", "cover").order_by("planned_at", "pk")
    )
    grouped = findings.by_variant(findings.item_findings(item))
    from mediadesk.review.queries import item_panel

    return _page(request, "content/item.html", {
        "item": item, "can_edit_item": queries.can_edit(request.user, item),
        "variants": [(v, grouped.get(v.pk, [])) for v in variants],
        "item_findings": grouped.get(None, []), "assets": list(item.assets.all()),
        "targets": rules.target_text(item.target_exposure, item.target_interactions, item.target_conversions),
        "history": audit.label_entries(list(queries.item_history(item, [v.pk for v in variants])[:100])),
        "industry": findings.industry_of(item) or "", **item_panel(item, request.user),
    })  # fmt: skip


@require_POST
def item_delete(request: HttpRequest, pk: int) -> HttpResponse:
    item = queries.access_item(request.user, pk, for_write=True)
    try:
        services.delete_item(item, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("content:item", item.pk)
    messages.success(request, _("已删除内容“%(title)s”") % {"title": item.title})
    return redirect("content:items")


# ---- variants -------------------------------------------------------------------------------


def _variant_page(
    request: HttpRequest, form: VariantForm, item: ContentItem, variant: Any
) -> HttpResponse:
    return _page(request, "content/variant_form.html", {
        "form": form, "item": item, "variant": variant, "hints": queries.best_time_hints(),
        "platform_of": {a.pk: a.platform.code for a in queries.variant_accounts(request.user)},
        "industry": findings.industry_of(item) or "",
    })  # fmt: skip


def variant_add(request: HttpRequest, pk: int) -> HttpResponse:
    item = queries.access_item(request.user, pk, for_write=True)
    form = VariantForm(
        request.POST or None, user=request.user, item=item, initial={"title": item.title}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.add_variant(item, by=request.user, values=form.values())
        except (ValidationError, PermissionDenied) as exc:
            apply_errors(
                form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc))
            )
        else:
            messages.success(request, _("已添加平台稿"))
            return redirect("content:item", item.pk)
    return _variant_page(request, form, item, None)


def variant_edit(request: HttpRequest, pk: int) -> HttpResponse:
    variant = queries.access_variant(request.user, pk, for_write=True)
    form = VariantForm(request.POST or None, user=request.user, item=variant.item, variant=variant)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_variant(variant, by=request.user, values=form.values())
        except (ValidationError, PermissionDenied) as exc:
            apply_errors(
                form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc))
            )
        else:
            messages.success(request, _("已保存平台稿"))
            return redirect("content:item", variant.item_id)
    return _variant_page(request, form, variant.item, variant)


@require_POST
def variant_delete(request: HttpRequest, pk: int) -> HttpResponse:
    variant = queries.access_variant(request.user, pk, for_write=True)
    try:
        services.delete_variant(variant, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已删除平台稿"))
    return redirect("content:item", variant.item_id)


# ---- simple records: series, categories, nodes, best times ----------------------------------

Saver = Callable[[dict[str, Any]], Model]


def _form_page(
    request: HttpRequest, form: Any, save: Saver, *, title: str, back: str, done: str
) -> HttpResponse:
    """GET shows the form; a valid POST saves through `save` and returns to `back`."""
    if request.method == "POST" and form.is_valid():
        try:
            save(dict(form.cleaned_data))
        except (ValidationError, PermissionDenied) as exc:
            apply_errors(
                form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc))
            )
        else:
            messages.success(request, done)
            return redirect(back)
    return _page(request, "content/form.html", {"form": form, "title": title, "back": back})


def _delete(request: HttpRequest, delete: Callable[[], None], back: str, done: str) -> HttpResponse:
    try:
        delete()
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect(back)


def series_list(request: HttpRequest) -> HttpResponse:
    queries.require_view(request.user)
    rows = SeriesFilters.from_query(request.GET).sorted(queries.visible_series(request.user))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(request, "content/series.html", {"page": page, "params": _params(request)})


def _series(request: HttpRequest, pk: int) -> Series:
    series = scopes.get_or_404(queries.visible_series(request.user), pk)
    scopes.require(queries.can_edit(request.user, series), _("没有编辑该专辑的权限"))
    return series


def series_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    queries.require_edit(request.user)
    series = _series(request, pk) if pk else None
    services.ensure_categories(_org(request), by=request.user)
    form = SeriesForm(request.POST or None, user=request.user, series=series)
    return _form_page(
        request, form,
        lambda v: services.save_series(series, by=request.user, organisation=_org(request), values=v),
        title=_("编辑专辑") if series else _("新建专辑"), back=reverse("content:series"),
        done=_("已保存专辑"),
    )  # fmt: skip


@require_POST
def series_delete(request: HttpRequest, pk: int) -> HttpResponse:
    series = _series(request, pk)
    return _delete(request, lambda: services.delete_series(series, by=request.user),
                   reverse("content:series"), _("已删除专辑“%(name)s”") % {"name": series.name})  # fmt: skip


def categories(request: HttpRequest) -> HttpResponse:
    queries.require_view(request.user)
    if scopes.has_perm(request.user, Perm.CONTENT_EDIT):
        services.ensure_categories(_org(request), by=request.user)
    rows = queries.categories(_org(request).pk)
    return _page(request, "content/categories.html", {"categories": rows})


def _category(request: HttpRequest, pk: int) -> TopicCategory:
    return get_object_or_404(TopicCategory, pk=pk, organisation_id=request.user.organisation_id)  # type: ignore[union-attr]


def category_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    queries.require_edit(request.user)
    category = _category(request, pk) if pk else None
    form = CategoryForm(request.POST or None, category=category)
    return _form_page(
        request, form,
        lambda v: services.save_category(category, by=request.user, organisation=_org(request), values=v),
        title=_("编辑主题分类") if category else _("新建主题分类"), back=reverse("content:categories"),
        done=_("已保存主题分类"),
    )  # fmt: skip


@require_POST
def category_delete(request: HttpRequest, pk: int) -> HttpResponse:
    queries.require_edit(request.user)
    category = _category(request, pk)
    return _delete(request, lambda: services.delete_category(category, by=request.user),
                   reverse("content:categories"), _("已删除主题分类“%(name)s”") % {"name": category.name})  # fmt: skip


def nodes(request: HttpRequest) -> HttpResponse:
    queries.require_view(request.user)
    rows = NodeFilters.from_query(request.GET).sorted(queries.visible_nodes(request.user))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(request, "content/nodes.html", {
        "page": page, "params": _params(request), "kinds": MarketingNode.Kind.choices,
    })  # fmt: skip


def _node(request: HttpRequest, pk: int) -> MarketingNode:
    node = scopes.get_or_404(queries.visible_nodes(request.user), pk)
    scopes.require(queries.can_edit(request.user, node), _("没有编辑该节点的权限"))
    return node


def node_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    queries.require_edit(request.user)
    node = _node(request, pk) if pk else None
    form = NodeForm(request.POST or None, user=request.user, node=node)
    return _form_page(
        request, form,
        lambda v: services.save_node(node, by=request.user, organisation=_org(request), values=v),
        title=_("编辑营销节点") if node else _("新建营销节点"), back=reverse("content:nodes"),
        done=_("已保存营销节点"),
    )  # fmt: skip


@require_POST
def node_delete(request: HttpRequest, pk: int) -> HttpResponse:
    node = _node(request, pk)
    return _delete(request, lambda: services.delete_node(node, by=request.user),
                   reverse("content:nodes"), _("已删除营销节点“%(name)s”") % {"name": node.name})  # fmt: skip


def _require_platforms(request: HttpRequest) -> None:
    scopes.require(
        scopes.has_perm(request.user, Perm.PLATFORMS_MANAGE),
        _("只有系统管理员可以维护最佳发布时段"),
    )


def best_times(request: HttpRequest) -> HttpResponse:
    queries.require_view(request.user)
    rows = BestTime.objects.select_related("platform").order_by(
        "platform__sort", "weekend", "starts"
    )
    return _page(request, "content/best_times.html", {"rows": rows})


def best_time_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require_platforms(request)
    best = get_object_or_404(BestTime, pk=pk) if pk else None
    form = BestTimeForm(request.POST or None, best=best)
    return _form_page(
        request, form, lambda v: services.save_best_time(best, by=request.user, values=v),
        title=_("编辑最佳发布时段") if best else _("新增最佳发布时段"), back=reverse("content:best_times"),
        done=_("已保存最佳发布时段"),
    )  # fmt: skip


@require_POST
def best_time_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_platforms(request)
    best = get_object_or_404(BestTime, pk=pk)
    return _delete(request, lambda: services.delete_best_time(best, by=request.user),
                   reverse("content:best_times"), _("已删除最佳发布时段"))  # fmt: skip


# ---- assets ---------------------------------------------------------------------------------


def assets(request: HttpRequest) -> HttpResponse:
    queries.require_view(request.user)
    rows = AssetFilters.from_query(request.GET).sorted(queries.visible_assets(request.user))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for asset in page:
        asset.problem = queries.licence_problem(asset, today)  # type: ignore[attr-defined]
    return _page(request, "content/assets.html", {
        "page": page, "params": _params(request), "kinds": Asset.Kind.choices,
        "licence_states": queries.LICENCE_STATES,
        "series_list": queries.visible_series(request.user).order_by("name"),
        "filtered": any(request.GET.get(k) for k in ("kind", "tag", "licence", "series", "q", "project")),
    })  # fmt: skip


def asset_upload(request: HttpRequest) -> HttpResponse:
    queries.require_edit(request.user)
    form = AssetForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            asset = services.upload_asset(
                by=request.user, organisation=_org(request), upload=form.cleaned_data["file"],
                values=form.values(),
            )  # fmt: skip
        except services.DuplicateAsset as exc:
            apply_errors(form, exc)
            return _page(request, "content/asset_upload.html", {
                "form": form, "existing": exc.existing, "limits": services.media_limit_help()})  # fmt: skip
        except (ValidationError, PermissionDenied) as exc:
            apply_errors(
                form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc))
            )
        else:
            messages.success(request, _("已上传素材“%(title)s”") % {"title": asset.title})
            return redirect("content:asset", asset.pk)
    return _page(
        request, "content/asset_upload.html", {"form": form, "limits": services.media_limit_help()}
    )


def _asset(request: HttpRequest, pk: int, *, for_write: bool = False) -> Asset:
    asset = scopes.get_or_404(queries.visible_assets(request.user), pk)
    if for_write:
        scopes.require(queries.can_edit(request.user, asset), _("没有编辑该素材的权限"))
    return asset


def asset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    asset = _asset(request, pk)
    used_by = queries.visible_items(request.user).filter(assets=asset)[:20]
    return _page(request, "content/asset.html", {
        "asset": asset, "problem": queries.licence_problem(asset), "used_by": used_by,
        "can_edit_asset": queries.can_edit(request.user, asset),
        "history": audit.label_entries(list(audit.history(asset)[:50])),
    })  # fmt: skip


def asset_edit(request: HttpRequest, pk: int) -> HttpResponse:
    asset = _asset(request, pk, for_write=True)
    form = AssetForm(request.POST or None, user=request.user, asset=asset)
    return _form_page(
        request, form, lambda v: services.update_asset(asset, by=request.user, values=v),
        title=_("编辑素材：%(title)s") % {"title": asset.title}, back=reverse("content:asset", args=[asset.pk]),
        done=_("已保存素材信息"),
    )  # fmt: skip


@require_POST
def asset_delete(request: HttpRequest, pk: int) -> HttpResponse:
    asset = _asset(request, pk, for_write=True)
    try:
        services.delete_asset(asset, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("content:asset", asset.pk)
    messages.success(request, _("已删除素材“%(title)s”") % {"title": asset.title})
    return redirect("content:assets")


def asset_file(request: HttpRequest, pk: int) -> FileResponse:
    """The stored file, only for users who may see the asset; images inline, others as download."""
    asset = _asset(request, pk)
    response = FileResponse(
        asset.file.open("rb"), as_attachment=asset.kind != Asset.Kind.IMAGE,
        filename=(asset.file.name or "file").rsplit("/", 1)[-1],
    )  # fmt: skip
    response["Cache-Control"] = "private, max-age=3600"
    return response


# ---- template 1: export and import ----------------------------------------------------------


def plan_export(request: HttpRequest) -> HttpResponse:
    queries.require_view(request.user)
    form = RangeForm(request.GET or None)
    if not form.is_valid():
        messages.error(
            request,
            _("导出范围有误：%(errors)s")
            % {"errors": "；".join(str(e) for errs in form.errors.values() for e in errs)},
        )
        return redirect("content:home")
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    rows = exports.plan_rows(exports.plan_variants(request.user, start, end))
    return excel.xlsx_response(
        f"内容发布计划表-{start:%Y%m%d}-{end:%Y%m%d}.xlsx", exports.PLAN_HEADERS, rows
    )


def plan_import(request: HttpRequest) -> HttpResponse:
    queries.require_edit(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and stash_upload(request, form, session_key=IMPORT_SESSION_KEY, read=imports.read_upload)
    ):
        return redirect("content:plan_import_preview")
    return _page(request, "content/import.html", {"form": form, "notes": imports.notes_help()})


def plan_import_preview(request: HttpRequest) -> HttpResponse:
    queries.require_edit(request.user)
    pending = unstash(request.session.get(IMPORT_SESSION_KEY), user=request.user)
    if pending is None:
        messages.info(request, _("请先上传要导入的文件"))
        return redirect("content:plan_import")
    table, filename = pending
    preview = imports.validate(table, user=request.user, organisation=_org(request))
    return _page(request, "content/import_preview.html", {"preview": preview, "filename": filename})


@require_POST
def plan_import_confirm(request: HttpRequest) -> HttpResponse:
    queries.require_edit(request.user)
    pending = unstash(request.session.get(IMPORT_SESSION_KEY), user=request.user)
    if pending is None:
        messages.info(request, _("导入已失效，请重新上传文件"))
        return redirect("content:plan_import")
    table, filename = pending
    try:
        outcome = imports.confirm_import(
            table, by=request.user, organisation=_org(request), filename=filename
        )
    except imports.ImportRejected as exc:
        messages.error(request, _("导入未执行：有行未通过校验，没有写入任何数据"))
        return _page(
            request, "content/import_preview.html", {"preview": exc.preview, "filename": filename}
        )
    discard(request.session.pop(IMPORT_SESSION_KEY, None))
    messages.success(
        request,
        _("导入完成：新建内容 %(items)s 条、平台稿 %(variants)s 条，更新内容 %(updated)s 条")
        % {
            "items": outcome.created_items,
            "variants": outcome.created_variants,
            "updated": outcome.updated_items,
        }
        if outcome.changed
        else _("导入完成：没有需要变更的数据"),
    )
    return redirect("content:items")


def import_template(request: HttpRequest) -> HttpResponse:
    queries.require_edit(request.user)
    response = HttpResponse(
        excel.workbook(exports.PLAN_HEADERS, [], title="内容发布计划表"),
        content_type=excel.XLSX_TYPE,
    )
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote('内容发布计划表-模板.xlsx')}"
    )
    return response
