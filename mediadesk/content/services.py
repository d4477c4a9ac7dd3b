"""Every write of content planning: permission and state checks, one transaction, audit entries.

Status changes (submit, approve, publish, withdraw) belong to the review app; nothing
here sets `status`. Every edit of an item or its variants bumps the item's edit_version
and tells the review app (`on_item_edited`), which re-opens review of an approved item.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.content import queries, rules
from mediadesk.content.defaults import CATEGORIES
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
from mediadesk.core import audit, scopes, uploads
from mediadesk.core.errors import PermissionDenied, ValidationError
from mediadesk.matrix import queries as matrix_queries
from mediadesk.matrix.models import Account
from mediadesk.orgs.models import Organisation
from mediadesk.orgs.roles import Perm

audit.register_actions(
    {
        "content.create": gettext_lazy("创建内容"),
        "content.update": gettext_lazy("修改内容"),
        "content.delete": gettext_lazy("删除内容"),
        "content.reschedule": gettext_lazy("调整发布时间"),
        "content.import": gettext_lazy("导入内容发布计划"),
        "variant.create": gettext_lazy("新增平台稿"),
        "variant.update": gettext_lazy("修改平台稿"),
        "variant.delete": gettext_lazy("删除平台稿"),
        "topic_category.create": gettext_lazy("新增主题分类"),
        "topic_category.update": gettext_lazy("修改主题分类"),
        "topic_category.delete": gettext_lazy("删除主题分类"),
        "series.create": gettext_lazy("新增专辑"),
        "series.update": gettext_lazy("修改专辑"),
        "series.delete": gettext_lazy("删除专辑"),
        "marketing_node.create": gettext_lazy("新增营销节点"),
        "marketing_node.update": gettext_lazy("修改营销节点"),
        "marketing_node.delete": gettext_lazy("删除营销节点"),
        "asset.create": gettext_lazy("上传素材"),
        "asset.update": gettext_lazy("修改素材"),
        "asset.delete": gettext_lazy("删除素材"),
        "best_time.create": gettext_lazy("新增最佳发布时段"),
        "best_time.update": gettext_lazy("修改最佳发布时段"),
        "best_time.delete": gettext_lazy("删除最佳发布时段"),
    }
)

LOCKED_VARIANT = (Status.PUBLISHED, Status.WITHDRAWN)


def _require(by: Any, obj: Any, message: str | None = None) -> None:
    if not queries.can_edit(by, obj):
        raise PermissionDenied(message or _("没有在该范围编辑内容的权限"))


def _scope(values: dict[str, Any], organisation: Organisation) -> None:
    """A project implies its company; both must belong to the organisation."""
    project, company = values.get("project"), values.get("company")
    if project is not None:
        if project.organisation_id != organisation.pk:
            raise ValidationError({"project": _("项目不属于本组织")})
        values["company"] = project.company
    elif company is not None and company.organisation_id != organisation.pk:
        raise ValidationError({"company": _("城市公司不属于本组织")})


def _same_org(values: dict[str, Any], organisation_id: int, names: tuple[str, ...]) -> None:
    errors = {
        name: _("不属于本组织")
        for name in names
        if values.get(name) is not None
        and getattr(values[name], "organisation_id", organisation_id) != organisation_id
    }
    if errors:
        raise ValidationError(errors)


def _edited(item: ContentItem, by: Any) -> None:
    """Bump the item's edit version and let review react (inside the caller's transaction)."""
    from mediadesk.review.services import on_item_edited

    ContentItem.objects.filter(pk=item.pk).update(edit_version=item.edit_version + 1)
    item.edit_version += 1
    on_item_edited(item, by=by)


def _record_save(by: Any, obj: Any, kind: str, before: dict[str, Any] | None, fields: Any) -> bool:
    after = audit.snapshot(obj, fields)
    changes = {k: [None, v] for k, v in after.items() if v not in ("", None, False, [])} if before is None else audit.diff(before, after)  # fmt: skip
    if before is not None and not changes:
        return False
    audit.record(
        actor=by, action=f"{kind}.{'create' if before is None else 'update'}", target=obj,
        changes=changes,
    )  # fmt: skip
    return True


# ---- topic categories ----------------------------------------------------------------------


@transaction.atomic
def ensure_categories(organisation: Organisation, *, by: Any) -> None:
    """Create the default topic categories the first time an organisation plans content."""
    if TopicCategory.objects.filter(organisation=organisation).exists():
        return
    for sort, name in enumerate(CATEGORIES, start=1):
        category = TopicCategory.objects.create(
            organisation=organisation, name=name, sort=sort * 10
        )
        audit.record(
            actor=by,
            action="topic_category.create",
            target=category,
            changes={"name": [None, name]},
        )


CATEGORY_FIELDS = ("name", "sort", "is_active")


@transaction.atomic
def save_category(
    category: TopicCategory | None, *, by: Any, organisation: Organisation, values: dict[str, Any]
) -> TopicCategory:
    """Create or rename/re-sort/deactivate a topic category (content.edit in the organisation)."""
    category = category or TopicCategory(organisation=organisation)
    scopes.require(scopes.allows(by, Perm.CONTENT_EDIT, category, shared=True))
    before = None if category.pk is None else audit.snapshot(category, CATEGORY_FIELDS)
    for key in CATEGORY_FIELDS:
        if key in values:
            setattr(category, key, values[key])
    category.name = category.name.strip()
    if not category.name:
        raise ValidationError({"name": _("请填写主题分类名称")})
    clash = TopicCategory.objects.filter(
        organisation_id=category.organisation_id, name=category.name
    )
    if clash.exclude(pk=category.pk).exists():
        raise ValidationError({"name": _("已有同名主题分类")})
    category.save()
    _record_save(by, category, "topic_category", before, CATEGORY_FIELDS)
    return category


@transaction.atomic
def delete_category(category: TopicCategory, *, by: Any) -> None:
    """Delete an unused topic category (used ones can be deactivated instead)."""
    scopes.require(scopes.allows(by, Perm.CONTENT_EDIT, category, shared=True))
    if (
        ContentItem.objects.filter(category=category).exists()
        or Series.objects.filter(category=category).exists()
    ):
        raise ValidationError({"name": _("该分类已被内容或专辑使用，请改为停用")})
    audit.record(
        actor=by,
        action="topic_category.delete",
        target=category,
        changes={"name": [category.name, None]},
    )
    category.delete()


# ---- series --------------------------------------------------------------------------------

SERIES_FIELDS = (
    "name",
    "category",
    "account",
    "weekly_quota",
    "description",
    "is_active",
    "company",
    "project",
)


@transaction.atomic
def save_series(
    series: Series | None, *, by: Any, organisation: Organisation, values: dict[str, Any]
) -> Series:
    """Create or change a series/album (专辑) and its weekly quota on an account."""
    values = {k: v for k, v in values.items() if k in SERIES_FIELDS}
    if series is not None:
        series = Series.objects.select_for_update().get(pk=series.pk)
        _require(by, series)
    series = series or Series(organisation=organisation)
    before = None if series.pk is None else audit.snapshot(series, SERIES_FIELDS)
    _scope(values, organisation)
    _same_org(values, organisation.pk, ("category", "account"))
    for key, value in values.items():
        setattr(series, key, value)
    _require(by, series)
    series.name = series.name.strip()
    if not series.name:
        raise ValidationError({"name": _("请填写专辑名称")})
    if (
        Series.objects.filter(organisation=organisation, name=series.name)
        .exclude(pk=series.pk)
        .exists()
    ):
        raise ValidationError({"name": _("已有同名专辑")})
    if series.account is not None and series.account.deleted_at is not None:
        raise ValidationError({"account": _("账号已删除")})
    series.save()
    _record_save(by, series, "series", before, SERIES_FIELDS)
    return series


@transaction.atomic
def delete_series(series: Series, *, by: Any) -> None:
    """Delete a series without items (series with items are deactivated instead)."""
    _require(by, series)
    if series.items.exists():
        raise ValidationError({"name": _("该专辑下已有内容，请改为停用")})
    audit.record(
        actor=by, action="series.delete", target=series, changes={"name": [series.name, None]}
    )
    series.delete()


# ---- marketing nodes -----------------------------------------------------------------------

NODE_FIELDS = ("name", "kind", "starts_on", "ends_on", "monthly_day", "notes", "company", "project")


@transaction.atomic
def save_node(
    node: MarketingNode | None, *, by: Any, organisation: Organisation, values: dict[str, Any]
) -> MarketingNode:
    """Create or change a marketing node (holiday, 618, 开盘, the monthly live …)."""
    values = {k: v for k, v in values.items() if k in NODE_FIELDS}
    if node is not None:
        node = MarketingNode.objects.select_for_update().get(pk=node.pk)
        _require(by, node)
    node = node or MarketingNode(organisation=organisation)
    before = None if node.pk is None else audit.snapshot(node, NODE_FIELDS)
    _scope(values, organisation)
    for key, value in values.items():
        setattr(node, key, value)
    _require(by, node)
    errors = {}
    if not (node.name or "").strip():
        errors["name"] = _("请填写节点名称")
    if node.kind not in MarketingNode.Kind.values:
        errors["kind"] = _("请选择节点类型")
    if node.ends_on and node.starts_on and node.ends_on < node.starts_on:
        errors["ends_on"] = _("结束日期不能早于开始日期")
    if node.monthly_day is not None and not 1 <= node.monthly_day <= 31:
        errors["monthly_day"] = _("每月重复日应为 1–31")
    if errors:
        raise ValidationError(errors)
    node.save()
    _record_save(by, node, "marketing_node", before, NODE_FIELDS)
    return node


@transaction.atomic
def delete_node(node: MarketingNode, *, by: Any) -> None:
    """Delete a marketing node (items attached to it keep their plan, without the node)."""
    _require(by, node)
    audit.record(
        actor=by, action="marketing_node.delete", target=node, changes={"name": [node.name, None]}
    )
    node.delete()


# ---- content items -------------------------------------------------------------------------

ITEM_FIELDS = (
    "title", "category", "series", "owner", "form", "target_exposure", "target_interactions",
    "target_conversions", "seo_keywords", "notes", "is_reserve", "marketing_node", "company",
    "project",
)  # fmt: skip
AUDIT_ITEM_FIELDS = (*ITEM_FIELDS, "assets")


def _assets_label(item: ContentItem) -> list[str]:
    return sorted(a.title for a in item.assets.all()) if item.pk else []


def _item_snapshot(item: ContentItem) -> dict[str, Any]:
    return {**audit.snapshot(item, ITEM_FIELDS), "assets": _assets_label(item)}


def _validate_item(item: ContentItem, assets: list[Asset] | None) -> None:
    errors: dict[str, str] = {}
    if not item.title.strip():
        errors["title"] = _("请填写标题")
    if item.form not in dict(ContentItem._meta.get_field("form").flatchoices):
        errors["form"] = _("请选择内容形式")
    owner = item.owner if item.owner_id else None
    if owner is None or owner.organisation_id != item.organisation_id or not owner.is_active:
        errors["owner"] = _("负责人必须是本组织的在职用户")
    for name in ("category", "series", "marketing_node"):
        related = getattr(item, name)
        if related is not None and related.organisation_id != item.organisation_id:
            errors[name] = _("不属于本组织")
    if assets and any(a.organisation_id != item.organisation_id for a in assets):
        errors["assets"] = _("素材不属于本组织")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_item(*, by: Any, organisation: Organisation, values: dict[str, Any]) -> ContentItem:
    """Create a draft content item (content.edit in the item's scope)."""
    assets = values.pop("assets", None)
    values = {k: v for k, v in values.items() if k in ITEM_FIELDS}
    _scope(values, organisation)
    item = ContentItem(organisation=organisation, created_by=by, status=Status.DRAFT, **values)
    item.title = (item.title or "").strip()
    _require(by, item)
    _validate_item(item, assets)
    item.save()
    if assets:
        item.assets.set(assets)
    _record_save(by, item, "content", None, ITEM_FIELDS)
    if assets:
        audit.record(
            actor=by,
            action="content.update",
            target=item,
            changes={"assets": [[], _assets_label(item)]},
        )
    return item


def _sync_variants(item: ContentItem) -> None:
    """Variants copy the item's scope, owner and series (the calendar filters one table)."""
    item.variants.update(
        organisation_id=item.organisation_id, company_id=item.company_id,
        project_id=item.project_id, owner_id=item.owner_id, series_id=item.series_id,
    )  # fmt: skip


@transaction.atomic
def update_item(item: ContentItem, *, by: Any, values: dict[str, Any]) -> ContentItem:
    """Change an item's planning fields (never its status); bumps edit_version."""
    item = ContentItem.objects.select_for_update().get(pk=item.pk)
    _require(by, item)
    assets = values.pop("assets", None)
    values = {k: v for k, v in values.items() if k in ITEM_FIELDS}
    scope = {k: values.get(k, getattr(item, k)) for k in ("company", "project")}
    if "company" in values or "project" in values:
        _scope(scope, item.organisation)
        values.update(scope)
    before = _item_snapshot(item)
    for key, value in values.items():
        setattr(item, key, value)
    item.title = item.title.strip()
    _require(by, item)  # also in the new scope
    _validate_item(item, assets)
    item.save()
    if assets is not None:
        item.assets.set(assets)
    changes = audit.diff(before, _item_snapshot(item))
    if changes:
        _sync_variants(item)
        audit.record(actor=by, action="content.update", target=item, changes=changes)
        _edited(item, by)
    return item


@transaction.atomic
def delete_item(item: ContentItem, *, by: Any) -> None:
    """Delete a draft item that was never reviewed or published."""
    item = ContentItem.objects.select_for_update().get(pk=item.pk)
    _require(by, item)
    if item.status != Status.DRAFT or item.variants.filter(status__in=LOCKED_VARIANT).exists():
        raise ValidationError({"status": _("只能删除草稿状态、没有已发布平台稿的内容")})
    if item.revisions.exists():
        raise ValidationError({"status": _("该内容已提交过审核，不能删除，可标记为备选或撤回")})
    audit.record(
        actor=by, action="content.delete", target=item, changes={"title": [item.title, None]}
    )
    item.delete()


# ---- variants ------------------------------------------------------------------------------

VARIANT_FIELDS = ("account", "title", "body", "digest", "tags", "mentions", "link_url", "cover",
                  "duration_seconds", "planned_at")  # fmt: skip
AUDIT_VARIANT_FIELDS = (*VARIANT_FIELDS, "platform")


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def _check_account(by: Any, item: ContentItem, account: Account | None) -> Account:
    if account is None:
        raise ValidationError({"account": _("请选择发布账号")})
    visible = matrix_queries.visible_accounts(by).filter(pk=account.pk).exists()
    if not visible or account.organisation_id != item.organisation_id:
        raise ValidationError({"account": _("账号不存在或不可见")})
    if account.company_id is not None and item.company_id not in (None, account.company_id):
        raise ValidationError({"account": _("账号属于其他城市公司，不能用于本内容")})
    return account


def _validate_variant(variant: Variant) -> None:
    try:
        variant.full_clean(
            exclude=["item", "organisation", "company", "project", "owner", "series", "account",
                     "platform", "cover"],
            validate_unique=False, validate_constraints=False,
        )  # fmt: skip
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from None
    clash = Variant.objects.filter(item_id=variant.item_id, account_id=variant.account_id)
    if clash.exclude(pk=variant.pk).exists():
        raise ValidationError({"account": _("该内容在这个账号上已有平台稿")})
    cover = variant.cover
    if cover is not None and cover.organisation_id != variant.organisation_id:
        raise ValidationError({"cover": _("封面素材不属于本组织")})


def _apply_variant(variant: Variant, item: ContentItem, values: dict[str, Any]) -> None:
    for key, value in values.items():
        setattr(variant, key, value)
    variant.planned_at = _aware(variant.planned_at)
    variant.platform_id = variant.account.platform_id
    variant.organisation_id, variant.company_id = item.organisation_id, item.company_id
    variant.project_id, variant.owner_id, variant.series_id = (
        item.project_id,
        item.owner_id,
        item.series_id,
    )


@transaction.atomic
def add_variant(item: ContentItem, *, by: Any, values: dict[str, Any]) -> Variant:
    """Add the item's version for one account (platform from the account)."""
    item = ContentItem.objects.select_for_update().get(pk=item.pk)
    _require(by, item)
    values = {k: v for k, v in values.items() if k in VARIANT_FIELDS}
    _check_account(by, item, values.get("account"))
    variant = Variant(item=item, status=Status.DRAFT)
    _apply_variant(variant, item, values)
    _validate_variant(variant)
    variant.save()
    _record_save(by, variant, "variant", None, AUDIT_VARIANT_FIELDS)
    _edited(item, by)
    return variant


def _locked_variant(variant: Variant, by: Any) -> tuple[Variant, ContentItem]:
    variant = Variant.objects.select_for_update().select_related("item").get(pk=variant.pk)
    _require(by, variant, _("没有编辑该平台稿的权限"))
    if variant.status in LOCKED_VARIANT:
        raise ValidationError(
            {"status": _("平台稿%(status)s，不能再修改") % {"status": variant.get_status_display()}}
        )
    return variant, variant.item


@transaction.atomic
def update_variant(variant: Variant, *, by: Any, values: dict[str, Any]) -> Variant:
    """Change a variant that is not published or withdrawn; bumps the item's edit_version."""
    variant, item = _locked_variant(variant, by)
    values = {k: v for k, v in values.items() if k in VARIANT_FIELDS}
    if "account" in values and values["account"] != variant.account:
        _check_account(by, item, values["account"])
    before = audit.snapshot(variant, AUDIT_VARIANT_FIELDS)
    _apply_variant(variant, item, values)
    _validate_variant(variant)
    variant.save()
    if _record_save(by, variant, "variant", before, AUDIT_VARIANT_FIELDS):
        _edited(item, by)
    return variant


@transaction.atomic
def delete_variant(variant: Variant, *, by: Any) -> None:
    """Remove an unpublished variant; recorded on the item's history."""
    variant, item = _locked_variant(variant, by)
    audit.record(
        actor=by, action="variant.delete", target=item,
        changes={"variant": [f"{variant.account} {variant.title}".strip(), None]},
    )  # fmt: skip
    variant.delete()
    _edited(item, by)


@transaction.atomic
def reschedule_variant(variant: Variant, *, by: Any, planned_at: dt.datetime) -> Variant:
    """Move a variant's planned publish time (calendar drag); audited as content.reschedule."""
    variant, _item = _locked_variant(variant, by)
    planned_at = _aware(planned_at)  # type: ignore[assignment]
    if planned_at is None:
        raise ValidationError({"planned_at": _("请选择发布时间")})
    old = variant.planned_at
    if old == planned_at:
        return variant
    variant.planned_at = planned_at
    variant.save(update_fields=["planned_at", "updated_at"])
    audit.record(
        actor=by, action="content.reschedule", target=variant,
        changes={"planned_at": [old, planned_at]},
    )  # fmt: skip
    # A new time is not new copy: an approved variant stays approved (review is about content).
    return variant


# ---- assets --------------------------------------------------------------------------------

# Per-kind size caps; images use the site-wide UPLOAD_MAX_BYTES through core.uploads.
KIND_MAX_BYTES = {"video": 500 * 1024 * 1024, "document": 50 * 1024 * 1024,
                  "font": 50 * 1024 * 1024, "music": 50 * 1024 * 1024}  # fmt: skip
ASSET_FIELDS = ("title", "kind", "tags", "series", "project", "company", "licence_source",
                "licence_type", "licence_expires_on")  # fmt: skip


class DuplicateAsset(ValidationError):
    """The same bytes are already in the library: `existing` is that asset."""

    def __init__(self, existing: Asset) -> None:
        super().__init__(
            {"file": _("素材库中已有相同文件“%(title)s”，无需重复上传") % {"title": existing.title}}
        )
        self.existing = existing


def content_hash(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def validate_upload(kind: str, upload: UploadedFile) -> UploadedFile:
    """Size and real type of an upload of `kind`; a clear Chinese reason when refused."""
    if kind == Asset.Kind.IMAGE:
        return uploads.validate_image(upload, field="file")
    if kind not in KIND_MAX_BYTES:
        raise ValidationError({"kind": _("请选择素材类型")})
    limit = KIND_MAX_BYTES[kind]
    if not upload.size or upload.size > limit:
        label = dict(rules.KIND_LABELS)[kind]
        raise ValidationError(
            {
                "file": _("文件大小 %(size)s，%(kind)s不能为空或超过 %(limit)s")
                % {
                    "size": uploads.human_size(upload.size or 0),
                    "kind": label,
                    "limit": uploads.human_size(limit),
                }
            }
        )
    upload.seek(0)
    head = upload.read(64)
    upload.seek(0)
    if problem := rules.file_problem(kind, upload.name or "", head):
        raise ValidationError({"file": problem})
    return upload


def _validate_asset(asset: Asset) -> None:
    errors = {}
    if not asset.title.strip():
        errors["title"] = _("请填写素材名称")
    if asset.licence_type not in Asset.Licence.values:
        errors["licence_type"] = _("请选择授权类型")
    if asset.series is not None and asset.series.organisation_id != asset.organisation_id:
        errors["series"] = _("不属于本组织")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def upload_asset(
    *, by: Any, organisation: Organisation, upload: UploadedFile, values: dict[str, Any]
) -> Asset:
    """Add a file to the asset library; the same bytes again raise DuplicateAsset, writing nothing."""
    values = {k: v for k, v in values.items() if k in ASSET_FIELDS}
    _scope(values, organisation)
    asset = Asset(organisation=organisation, uploaded_by=by, **values)
    asset.title = (asset.title or "").strip() or (upload.name or "").rsplit(".", 1)[0][:100]
    _require(by, asset, _("没有在该范围上传素材的权限"))
    _validate_asset(asset)
    upload = validate_upload(asset.kind, upload)
    asset.content_hash = content_hash(upload)
    existing = Asset.objects.filter(
        organisation=organisation, content_hash=asset.content_hash
    ).first()
    if existing is not None:
        raise DuplicateAsset(existing)
    asset.size = upload.size or 0
    asset.file.save(upload.name or "file", upload, save=False)
    try:
        asset.save()
        _record_save(by, asset, "asset", None, (*ASSET_FIELDS, "size"))
    except Exception:
        asset.file.storage.delete(
            asset.file.name or ""
        )  # no orphan file when the row is not written
        raise
    return asset


@transaction.atomic
def update_asset(asset: Asset, *, by: Any, values: dict[str, Any]) -> Asset:
    """Change an asset's description, tags, series/project and licence."""
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    _require(by, asset, _("没有修改该素材的权限"))
    values = {k: v for k, v in values.items() if k in ASSET_FIELDS and k != "kind"}
    _scope(values, asset.organisation)
    before = audit.snapshot(asset, ASSET_FIELDS)
    for key, value in values.items():
        setattr(asset, key, value)
    _require(by, asset, _("没有在该范围管理素材的权限"))
    _validate_asset(asset)
    asset.save()
    _record_save(by, asset, "asset", before, ASSET_FIELDS)
    return asset


@transaction.atomic
def delete_asset(asset: Asset, *, by: Any) -> None:
    """Delete an asset no item or cover uses, and its stored file after commit."""
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    _require(by, asset, _("没有删除该素材的权限"))
    if asset.items.exists() or Variant.objects.filter(cover=asset).exists():
        raise ValidationError({"file": _("该素材正被内容使用，不能删除")})
    audit.record(
        actor=by, action="asset.delete", target=asset, changes={"title": [asset.title, None]}
    )
    storage, name = asset.file.storage, asset.file.name
    asset.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


# ---- best times ----------------------------------------------------------------------------

BEST_TIME_FIELDS = ("platform", "weekend", "starts", "ends", "note")


@transaction.atomic
def save_best_time(best: BestTime | None, *, by: Any, values: dict[str, Any]) -> BestTime:
    """Create or change a best-time window (platforms.manage: the defaults are site-wide)."""
    scopes.require(
        scopes.has_perm(by, Perm.PLATFORMS_MANAGE), _("只有系统管理员可以维护最佳发布时段")
    )
    best = best or BestTime()
    before = None if best.pk is None else audit.snapshot(best, BEST_TIME_FIELDS)
    for key in BEST_TIME_FIELDS:
        if key in values:
            setattr(best, key, values[key])
    if best.starts is None or best.ends is None or best.starts == best.ends:
        raise ValidationError({"ends": _("请填写不同的开始和结束时间（结束早于开始表示跨过午夜）")})
    best.save()
    _record_save(by, best, "best_time", before, BEST_TIME_FIELDS)
    return best


@transaction.atomic
def delete_best_time(best: BestTime, *, by: Any) -> None:
    """Remove a best-time window."""
    scopes.require(
        scopes.has_perm(by, Perm.PLATFORMS_MANAGE), _("只有系统管理员可以维护最佳发布时段")
    )
    audit.record(
        actor=by, action="best_time.delete", target=best, changes={"platform": [str(best), None]}
    )
    best.delete()


def media_limit_help() -> str:
    """The upload limits per kind, for the upload form."""
    image = uploads.human_size(settings.UPLOAD_MAX_BYTES)
    others = "，".join(
        _("%(kind)s ≤%(size)s（%(extensions)s）")
        % {
            "kind": dict(rules.KIND_LABELS)[k],
            "size": uploads.human_size(v),
            "extensions": rules.EXTENSION_HELP[k],
        }
        for k, v in KIND_MAX_BYTES.items()
    )
    return _("图片 ≤%(image)s（PNG、JPG、WebP、GIF），%(others)s") % {
        "image": image,
        "others": others,
    }
