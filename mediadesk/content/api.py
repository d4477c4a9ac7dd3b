"""API of content planning under /api/v1/content/plan/: the item list with the page's filters,
an item's edits and its variants (through the pages' forms and the same services), series,
categories, marketing nodes, assets, and the template-1 import (upload → preview → confirm).

Creating an item with its variants in one call is `POST /api/v1/content/items` of the
publishing API; these paths never share a path with it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.forms.models import model_to_dict
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Path, Query, Router, Schema, Status, UploadedFile

from mediadesk.content import imports, queries, services
from mediadesk.content.filters import (
    AssetFilters,
    ItemFilters,
    NodeFilters,
    SeriesFilters,
    VariantFilters,
)
from mediadesk.content.forms import ITEM_FORM_FIELDS, VARIANT_FORM_FIELDS, ItemForm, VariantForm
from mediadesk.content.models import ContentItem, Form, Series, TopicCategory, Variant
from mediadesk.content.schemas import (
    PlanAssetOut,
    PlanCategoryOut,
    PlanItemOut,
    PlanItemPatch,
    PlanNodeOut,
    PlanSeriesOut,
    PlanVariantIn,
    PlanVariantOut,
    PlanVariantPatch,
)
from mediadesk.core.api_support import (
    ONE_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    ImportDoneOut,
    ImportPreviewOut,
    form_checked,
    form_data,
    listed,
    pending,
    preview_answer,
    preview_errors,
    read_file,
    who,
)
from mediadesk.core.errors import PermissionDenied, ValidationError
from mediadesk.core.imports import discard
from mediadesk.core.schemas import MAX_ID, BodyIn, ErrorOut, Id, Page, PageIn, caller

router = Router(tags=[_("内容计划")])
PathId = Path(..., ge=1, le=MAX_ID)

VIEW = _("内容查看（content.view）在记录的范围内（集团层面的记录对全组织可见）")
EDIT = _("内容编辑（content.edit）在记录的范围内")


def _items(user: Any) -> Any:
    return queries.with_variants(queries.visible_items(user))


def _item(user: Any, pk: int) -> ContentItem:
    return _items(user).get(pk=queries.access_item(user, pk).pk)


@router.get(
    "/content/plan/items",
    response={200: Page[PlanItemOut], **READ_ERRORS},
    summary=_("内容列表"),
    description=who(VIEW) + _("。筛选、排序与内容列表页相同。"),
)
def list_items(request: HttpRequest, filters: Query[ItemFilters], page: Query[PageIn]) -> Any:
    user = caller(request)
    queries.require_view(user)
    return listed(_items(user), filters, page)


@router.get(
    "/content/plan/items/{item_id}",
    response={200: PlanItemOut, **ONE_ERRORS},
    summary=_("内容详情（含平台稿）"),
    description=who(VIEW),
)
def get_item(request: HttpRequest, item_id: int = PathId) -> ContentItem:
    return _item(caller(request), item_id)


@router.patch(
    "/content/plan/items/{item_id}",
    response={200: PlanItemOut, **WRITE_ERRORS},
    summary=_("修改内容（只改提交的字段，不改状态）"),
    description=who(EDIT) + _("。校验与内容编辑页相同（分类、专辑、负责人、范围的可选项）。"),
)
def update_item(request: HttpRequest, payload: PlanItemPatch, item_id: int = PathId) -> Any:
    user = caller(request)
    item = queries.access_item(user, item_id, for_write=True)
    current = model_to_dict(item, fields=ITEM_FORM_FIELDS)
    data = form_data(current, payload.model_dump(exclude_unset=True))
    form = form_checked(ItemForm(data, user=user, item=item))
    services.update_item(item, by=user, values=form.values())
    return _item(user, item.pk)


@router.post(
    "/content/plan/items/{item_id}/variants",
    response={201: PlanVariantOut, **WRITE_ERRORS},
    summary=_("添加平台稿"),
    description=who(EDIT) + _("。平台取自账号；标题/正文长度按平台限制校验。"),
)
def add_variant(request: HttpRequest, payload: PlanVariantIn, item_id: int = PathId) -> Any:
    user = caller(request)
    item = queries.access_item(user, item_id, for_write=True)
    form = form_checked(VariantForm(form_data({}, payload.model_dump()), user=user, item=item))
    variant = services.add_variant(item, by=user, values=form.values())
    return Status(201, queries.visible_variants(user).get(pk=variant.pk))


@router.get(
    "/content/plan/variants",
    response={200: Page[PlanVariantOut], **READ_ERRORS},
    summary=_("平台稿列表"),
    description=who(VIEW),
)
def list_variants(request: HttpRequest, filters: Query[VariantFilters], page: Query[PageIn]) -> Any:
    user = caller(request)
    queries.require_view(user)
    return listed(queries.visible_variants(user), filters, page)


@router.patch(
    "/content/plan/variants/{variant_id}",
    response={200: PlanVariantOut, **WRITE_ERRORS},
    summary=_("修改平台稿（只改提交的字段）"),
    description=who(EDIT) + _("。已发布或已撤回的平台稿不能修改；改期不会重新送审。"),
)
def update_variant(
    request: HttpRequest, payload: PlanVariantPatch, variant_id: int = PathId
) -> Variant:
    user = caller(request)
    variant = queries.access_variant(user, variant_id, for_write=True)
    current = model_to_dict(variant, fields=VARIANT_FORM_FIELDS)
    data = form_data(current, payload.model_dump(exclude_unset=True))
    form = form_checked(VariantForm(data, user=user, item=variant.item, variant=variant))
    services.update_variant(variant, by=user, values=form.values())
    return queries.visible_variants(user).get(pk=variant.pk)


@router.delete(
    "/content/plan/variants/{variant_id}",
    response={204: None, **WRITE_ERRORS},
    summary=_("删除平台稿（未发布的）"),
    description=who(EDIT),
)
def delete_variant(request: HttpRequest, variant_id: int = PathId) -> Any:
    user = caller(request)
    services.delete_variant(queries.access_variant(user, variant_id, for_write=True), by=user)
    return Status(204, None)


@router.get(
    "/content/plan/series",
    response={200: Page[PlanSeriesOut], **READ_ERRORS},
    summary=_("专辑/系列"),
    description=who(VIEW),
)
def list_series(request: HttpRequest, filters: Query[SeriesFilters], page: Query[PageIn]) -> Any:
    user = caller(request)
    queries.require_view(user)
    return listed(queries.visible_series(user), filters, page)


@router.get(
    "/content/plan/categories",
    response={200: Page[PlanCategoryOut], **READ_ERRORS},
    summary=_("主题分类"),
    description=who(VIEW),
)
def list_categories(request: HttpRequest, page: Query[PageIn]) -> Any:
    user = caller(request)
    queries.require_view(user)
    rows = queries.categories(user.organisation_id or 0).order_by("sort", "pk")
    return {"items": list(rows[page.offset : page.offset + page.limit]), "count": rows.count()}


@router.get(
    "/content/plan/nodes",
    response={200: Page[PlanNodeOut], **READ_ERRORS},
    summary=_("营销节点"),
    description=who(VIEW) + _("。默认只列未结束的（when=all 列全部），与页面相同。"),
)
def list_nodes(request: HttpRequest, filters: Query[NodeFilters], page: Query[PageIn]) -> Any:
    user = caller(request)
    queries.require_view(user)
    return listed(queries.visible_nodes(user), filters, page)


@router.get(
    "/content/plan/assets",
    response={200: Page[PlanAssetOut], **READ_ERRORS},
    summary=_("素材库（元数据）"),
    description=who(VIEW),
)
def list_assets(request: HttpRequest, filters: Query[AssetFilters], page: Query[PageIn]) -> Any:
    user = caller(request)
    queries.require_view(user)
    return listed(queries.visible_assets(user), filters, page)


@router.post(
    "/content/plan/imports",
    response={200: ImportPreviewOut, **WRITE_ERRORS},
    summary=_("导入内容发布计划表（模板一）：上传并预览"),
    description=who(EDIT)
    + _("。multipart：file（xlsx/csv，模板一的十列）。什么都不写入；用返回的 token 调用 confirm。"),
)
def import_upload(request: HttpRequest, file: File[UploadedFile]) -> Any:
    user = caller(request)
    queries.require_edit(user)
    table, filename = read_file(file, imports.read_upload)
    preview = imports.validate(table, user=user, organisation=user.organisation)
    return preview_answer(
        request, table, filename, errors=preview_errors(preview), rows=len(preview.rows)
    )


@router.post(
    "/content/plan/imports/{token}/confirm",
    response={200: ImportDoneOut, **WRITE_ERRORS},
    summary=_("导入内容发布计划表：确认写入"),
    description=who(_("上传者本人（content.edit）")) + _("。重新校验，全部写入或一条不写。"),
)
def import_confirm(request: HttpRequest, token: str = Path(..., pattern="^[0-9a-f]{32}$")) -> Any:
    user = caller(request)
    queries.require_edit(user)
    table, filename, _meta = pending(request, token)
    try:
        outcome = imports.confirm_import(
            table, by=user, organisation=user.organisation, filename=filename
        )
    except imports.ImportRejected as exc:
        raise ValidationError(preview_errors(exc.preview)) from exc
    discard(token)
    created = outcome.created_items + outcome.created_variants
    return {"created": created, "updated": outcome.updated_items}


# --- create an item with its variants in one call (the publishing clients rely on these) ---
ITEM_ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class NewVariantIn(BodyIn):
    account: Id
    title: str = Field("", max_length=200)
    body: str = Field("", max_length=50_000)
    digest: str | None = Field(None, max_length=300)
    tags: str | None = Field(None, max_length=300)
    link_url: str | None = Field(None, max_length=500)
    planned_at: dt.datetime | None = None


class NewItemIn(BodyIn):
    title: str = Field(..., min_length=1, max_length=120)
    category: Id | None = None
    series: Id | None = None
    form: Form
    variants: list[NewVariantIn] = Field(default_factory=list, max_length=50)


class ItemVariantStatusOut(Schema):
    id: int
    account: int
    platform: str
    title: str
    status: str
    planned_at: dt.datetime | None
    published_url: str


class ItemStatusOut(Schema):
    id: int
    title: str
    form: str
    status: str
    variants: list[ItemVariantStatusOut]


def _status_out(item: ContentItem) -> dict[str, Any]:
    variants = item.variants.select_related("platform").order_by("pk")
    return {"id": item.pk, "title": item.title, "form": item.form, "status": item.status,
            "variants": [{"id": v.pk, "account": v.account_id, "platform": v.platform.code,
                          "title": v.title, "status": v.status, "planned_at": v.planned_at,
                          "published_url": v.published_url} for v in variants]}  # fmt: skip


def _org_related(model: Any, pk: int | None, org_id: int, name: str) -> Any:
    if pk is None:
        return None
    obj = model.objects.filter(pk=pk, organisation_id=org_id).first()
    if obj is None:
        raise ValidationError({name: _("不存在或不属于本组织")})
    return obj


@router.post(
    "/content/items", response={200: ItemStatusOut, **ITEM_ERRORS}, summary=_("新建内容及其平台稿")
)
def create_item(request: HttpRequest, payload: NewItemIn) -> Any:
    user = caller(request)
    queries.require_edit(user)
    if user.organisation is None:
        raise PermissionDenied(_("用户不属于任何组织"))
    org_id = user.organisation_id
    company, project = queries.default_scope(user)
    values = {"title": payload.title, "form": payload.form, "owner": user,
              "company": company, "project": project,
              "category": _org_related(TopicCategory, payload.category, org_id, "category"),
              "series": _org_related(Series, payload.series, org_id, "series")}  # fmt: skip
    with transaction.atomic():
        item = services.create_item(by=user, organisation=user.organisation, values=values)
        for n, v in enumerate(payload.variants):
            account = queries.variant_accounts(user).filter(pk=v.account).first()
            if account is None:
                raise ValidationError({f"variants.{n}.account": _("账号不存在或不可见")})
            data = v.model_dump(exclude_none=True)
            data["account"] = account
            try:
                services.add_variant(item, by=user, values=data)
            except ValidationError as exc:
                raise ValidationError(
                    {f"variants.{n}.{k}": m for k, m in exc.message_dict.items()}
                ) from None
    return _status_out(item)


@router.get(
    "/content/items/{item_id}",
    response={200: ItemStatusOut, **ITEM_ERRORS},
    summary=_("内容详情（含平台稿状态与发布链接）"),
)
def get_item_status(request: HttpRequest, item_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    user = caller(request)
    queries.require_view(user)
    return _status_out(queries.access_item(user, item_id))
