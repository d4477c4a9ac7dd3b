"""API of the content app: create an item with its variants, read one item (the publishing
capability's clients rely on these exact paths and keys)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Path, Router, Schema

from mediadesk.content import queries, services
from mediadesk.content.models import ContentItem, Form, Series, TopicCategory
from mediadesk.core.errors import PermissionDenied, ValidationError
from mediadesk.core.schemas import MAX_ID, BodyIn, ErrorOut, Id, caller

router = Router(tags=["内容"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class VariantIn(BodyIn):
    account: Id
    title: str = Field("", max_length=200)
    body: str = Field("", max_length=50_000)
    digest: str | None = Field(None, max_length=300)
    tags: str | None = Field(None, max_length=300)
    link_url: str | None = Field(None, max_length=500)
    planned_at: dt.datetime | None = None


class ItemIn(BodyIn):
    title: str = Field(..., min_length=1, max_length=120)
    category: Id | None = None
    series: Id | None = None
    form: Form
    variants: list[VariantIn] = Field(default_factory=list, max_length=50)


class VariantOut(Schema):
    id: int
    account: int
    platform: str
    title: str
    status: str
    planned_at: dt.datetime | None
    published_url: str


class ItemOut(Schema):
    id: int
    title: str
    form: str
    status: str
    variants: list[VariantOut]


def _out(item: ContentItem) -> dict[str, Any]:
    variants = item.variants.select_related("platform").order_by("pk")
    return {"id": item.pk, "title": item.title, "form": item.form, "status": item.status,
            "variants": [{"id": v.pk, "account": v.account_id, "platform": v.platform.code,
                          "title": v.title, "status": v.status, "planned_at": v.planned_at,
                          "published_url": v.published_url} for v in variants]}  # fmt: skip


def _related(model: Any, pk: int | None, org_id: int, name: str) -> Any:
    if pk is None:
        return None
    obj = model.objects.filter(pk=pk, organisation_id=org_id).first()
    if obj is None:
        raise ValidationError({name: "不存在或不属于本组织"})
    return obj


@router.post("/content/items", response={200: ItemOut, **ERRORS}, summary="新建内容及其平台稿")
def create_item(request: HttpRequest, payload: ItemIn) -> Any:
    user = caller(request)
    queries.require_edit(user)
    if user.organisation is None:
        raise PermissionDenied("用户不属于任何组织")
    org_id = user.organisation_id
    company, project = queries.default_scope(user)
    values = {"title": payload.title, "form": payload.form, "owner": user,
              "company": company, "project": project,
              "category": _related(TopicCategory, payload.category, org_id, "category"),
              "series": _related(Series, payload.series, org_id, "series")}  # fmt: skip
    with transaction.atomic():
        item = services.create_item(by=user, organisation=user.organisation, values=values)
        for n, v in enumerate(payload.variants):
            account = queries.variant_accounts(user).filter(pk=v.account).first()
            if account is None:
                raise ValidationError({f"variants.{n}.account": "账号不存在或不可见"})
            data = v.model_dump(exclude_none=True)
            data["account"] = account
            try:
                services.add_variant(item, by=user, values=data)
            except ValidationError as exc:
                raise ValidationError(
                    {f"variants.{n}.{k}": m for k, m in exc.message_dict.items()}
                ) from None
    return _out(item)


@router.get(
    "/content/items/{item_id}",
    response={200: ItemOut, **ERRORS},
    summary="内容详情（含平台稿状态与发布链接）",
)
def get_item(request: HttpRequest, item_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    user = caller(request)
    queries.require_view(user)
    return _out(queries.access_item(user, item_id))
