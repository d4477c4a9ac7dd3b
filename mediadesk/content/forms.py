"""Input forms of the content pages; the writes themselves happen in services.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.forms.models import fields_for_model, model_to_dict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.content import queries
from mediadesk.content.findings import industry_of
from mediadesk.content.models import (
    Asset,
    BestTime,
    ContentItem,
    MarketingNode,
    Series,
    TopicCategory,
    Variant,
)
from mediadesk.matrix.forms import StyledForm, UserChoiceField, apply_errors
from mediadesk.matrix.models import Platform
from mediadesk.orgs import queries as org_queries

__all__ = ["apply_errors"]


def _limit(form: forms.Form, name: str, queryset: QuerySet[Any], current: Any = None) -> None:
    """Limit a model choice field to `queryset`, keeping the record's current value valid."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField | forms.ModelMultipleChoiceField)
    if current is not None:
        currents = current if isinstance(current, list | tuple) else [current]
        ids = [getattr(c, "pk", c) for c in currents]
        queryset = queryset.model.objects.filter(
            Q(pk__in=queryset.values("pk")) | Q(pk__in=ids)
        ).order_by(*(queryset.query.order_by or ["pk"]))
    field.queryset = queryset


class AccountChoiceField(forms.ModelChoiceField):
    """Accounts shown with their platform and level."""

    def label_from_instance(self, obj: Any) -> str:
        return _("%(platform)s · %(account)s（%(level)s级）") % {
            "platform": obj.platform.name, "account": obj.name, "level": obj.level}  # fmt: skip


ITEM_FORM_FIELDS = (
    "title", "category", "series", "owner", "form", "company", "project", "target_exposure",
    "target_interactions", "target_conversions", "seo_keywords", "notes", "assets",
    "marketing_node", "is_reserve",
)  # fmt: skip


class ItemForm(StyledForm):
    """Create or edit a content item (never its status)."""

    def __init__(self, *args: Any, user: Any, item: ContentItem | None = None, **kwargs: Any):
        if item is not None:
            kwargs.setdefault("initial", model_to_dict(item, fields=ITEM_FORM_FIELDS))
        super().__init__(*args, **kwargs)
        self.fields.update(
            fields_for_model(
                ContentItem, fields=ITEM_FORM_FIELDS, field_classes={"owner": UserChoiceField}
            )
        )
        org_id = user.organisation_id
        _limit(
            self,
            "category",
            queries.categories(org_id).filter(is_active=True),
            item and item.category_id,
        )
        _limit(
            self,
            "series",
            queries.visible_series(user).filter(is_active=True),
            item and item.series_id,
        )
        _limit(self, "owner", org_queries.colleagues(user), item and item.owner_id)
        _limit(self, "company", queries.editable_companies(user), item and item.company_id)
        _limit(self, "project", queries.editable_projects(user), item and item.project_id)
        _limit(self, "marketing_node", queries.visible_nodes(user), item and item.marketing_node_id)
        current_assets = list(item.assets.values_list("pk", flat=True)) if item else None
        _limit(self, "assets", queries.visible_assets(user).order_by("-created_at"), current_assets)
        self.fields["assets"].required = False
        self.fields["assets"].widget.attrs["size"] = 6
        self.fields["notes"].widget = forms.Textarea(attrs={"rows": 3})
        self.fields["title"].widget.attrs.update(
            {"data-compliance-check": "", "autocomplete": "off"}
        )
        if item is None:
            self.fields["owner"].initial = user.pk
            company, project = queries.default_scope(user)
            self.fields["company"].initial = company and company.pk
            self.fields["project"].initial = project and project.pk
        self.fields["company"].help_text = _("留空表示集团层面（需集团级编辑权限）")
        self.style()

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["assets"] = list(data.get("assets") or [])
        return data


VARIANT_FORM_FIELDS = ("account", "title", "body", "digest", "tags", "mentions", "link_url",
                       "cover", "duration_seconds", "planned_at")  # fmt: skip
CHECKED = ("title", "body", "digest", "tags")


class VariantForm(StyledForm):
    """One variant (平台稿): the fields carry data-compliance-check for live highlighting."""

    planned_at = forms.DateTimeField(
        label=gettext_lazy("计划发布时间"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )  # fmt: skip

    def __init__(
        self,
        *args: Any,
        user: Any,
        item: ContentItem,
        variant: Variant | None = None,
        **kwargs: Any,
    ):
        if variant is not None:
            kwargs.setdefault("initial", model_to_dict(variant, fields=VARIANT_FORM_FIELDS))
        super().__init__(*args, **kwargs)
        fields = fields_for_model(
            Variant, fields=VARIANT_FORM_FIELDS[:-1], field_classes={"account": AccountChoiceField}
        )
        self.fields = {**fields, "planned_at": self.fields["planned_at"]}
        _limit(self, "account", queries.variant_accounts(user), variant and variant.account_id)
        _limit(
            self,
            "cover",
            queries.visible_assets(user).filter(kind=Asset.Kind.IMAGE),
            variant and variant.cover_id,
        )
        self.fields["cover"].label = _("封面")
        self.fields["body"].widget = forms.Textarea(attrs={"rows": 8})
        self.fields["digest"].widget = forms.Textarea(attrs={"rows": 2})
        self.fields["tags"].help_text = _("微博写 #话题#；抖音、小红书写 #话题，空格分隔")
        self.fields["digest"].help_text = _("公众号摘要不超过 128 字")
        platform = variant.platform.code if variant else ""
        industry = industry_of(item) or ""
        for name in CHECKED:
            self.fields[name].widget.attrs.update(
                {"data-compliance-check": "", "data-platform": platform, "data-industry": industry,
                 "data-field": name}
            )  # fmt: skip
        self.style()

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class CategoryForm(StyledForm):
    def __init__(self, *args: Any, category: TopicCategory | None = None, **kwargs: Any):
        if category is not None:
            kwargs.setdefault(
                "initial", model_to_dict(category, fields=("name", "sort", "is_active"))
            )
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(TopicCategory, fields=("name", "sort", "is_active")))
        if category is None:
            self.fields["is_active"].initial = True
        self.style()


SERIES_FORM_FIELDS = (
    "name",
    "category",
    "account",
    "weekly_quota",
    "company",
    "project",
    "description",
    "is_active",
)


class SeriesForm(StyledForm):
    def __init__(self, *args: Any, user: Any, series: Series | None = None, **kwargs: Any):
        if series is not None:
            kwargs.setdefault("initial", model_to_dict(series, fields=SERIES_FORM_FIELDS))
        super().__init__(*args, **kwargs)
        self.fields.update(
            fields_for_model(
                Series, fields=SERIES_FORM_FIELDS, field_classes={"account": AccountChoiceField}
            )
        )
        _limit(
            self,
            "category",
            queries.categories(user.organisation_id),
            series and series.category_id,
        )
        _limit(self, "account", queries.variant_accounts(user), series and series.account_id)
        _limit(self, "company", queries.editable_companies(user), series and series.company_id)
        _limit(self, "project", queries.editable_projects(user), series and series.project_id)
        self.fields["description"].widget = forms.Textarea(attrs={"rows": 2})
        self.fields["weekly_quota"].help_text = _("如 美好西安：每周 2 条；0 表示不设配额")
        if series is None:
            self.fields["is_active"].initial = True
            company, _project = queries.default_scope(user)
            self.fields["company"].initial = company and company.pk
        self.style()


NODE_FORM_FIELDS = (
    "name",
    "kind",
    "starts_on",
    "ends_on",
    "monthly_day",
    "company",
    "project",
    "notes",
)


class NodeForm(StyledForm):
    def __init__(self, *args: Any, user: Any, node: MarketingNode | None = None, **kwargs: Any):
        if node is not None:
            kwargs.setdefault("initial", model_to_dict(node, fields=NODE_FORM_FIELDS))
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(MarketingNode, fields=NODE_FORM_FIELDS))
        for name in ("starts_on", "ends_on"):
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        _limit(self, "company", queries.editable_companies(user), node and node.company_id)
        _limit(self, "project", queries.editable_projects(user), node and node.project_id)
        self.fields["notes"].widget = forms.Textarea(attrs={"rows": 2})
        if node is None:
            company, _project = queries.default_scope(user)
            self.fields["company"].initial = company and company.pk
        self.style()


ASSET_FORM_FIELDS = (
    "title",
    "kind",
    "tags",
    "series",
    "project",
    "licence_source",
    "licence_type",
    "licence_expires_on",
)


class AssetForm(StyledForm):
    """Upload (with `file`) or edit an asset's description and licence."""

    def __init__(self, *args: Any, user: Any, asset: Asset | None = None, **kwargs: Any):
        if asset is not None:
            kwargs.setdefault("initial", model_to_dict(asset, fields=ASSET_FORM_FIELDS))
        super().__init__(*args, **kwargs)
        self.user, self.asset = user, asset
        self.fields.update(fields_for_model(Asset, fields=ASSET_FORM_FIELDS))
        if asset is None:
            self.fields["file"] = forms.FileField(label=gettext_lazy("文件"))
            self.fields["title"].required = False
            self.fields["title"].help_text = _("留空则使用文件名")
        else:
            del self.fields["kind"]
        self.fields["licence_expires_on"].widget = forms.DateInput(
            attrs={"type": "date"}, format="%Y-%m-%d"
        )
        self.fields["tags"].help_text = _("用逗号或空格分隔，如 样板间,航拍")
        self.fields["licence_type"].help_text = _(
            "字体、音乐、图片必须取得授权；未授权或过期的素材会在审核时被拦截"
        )
        _limit(self, "series", queries.visible_series(user), asset and asset.series_id)
        _limit(self, "project", queries.editable_projects(user), asset and asset.project_id)
        self.style()

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("file", None)
        if self.asset is None and data.get("project") is None:
            data["company"] = queries.default_scope(self.user)[0]
        return data


class BestTimeForm(StyledForm):
    def __init__(self, *args: Any, best: BestTime | None = None, **kwargs: Any):
        fields = ("platform", "weekend", "starts", "ends", "note")
        if best is not None:
            kwargs.setdefault("initial", model_to_dict(best, fields=fields))
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(BestTime, fields=fields))
        _limit(self, "platform", Platform.objects.filter(is_active=True))
        for name in ("starts", "ends"):
            self.fields[name].widget = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
        self.fields["ends"].help_text = _("结束早于开始表示跨过午夜，如 23:00–02:00")
        self.style()


class ImportForm(StyledForm):
    file = forms.FileField(label=gettext_lazy("内容发布计划表（.xlsx 或 .csv）"))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv"
        self.style()


class RangeForm(StyledForm):
    """The date range of the template-1 export (defaults: this week)."""

    start = forms.DateField(
        label=gettext_lazy("开始日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=gettext_lazy("结束日期"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.style()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("结束日期不能早于开始日期"))
            elif end - start > dt.timedelta(days=366):
                self.add_error("end", _("一次最多导出一年"))
        return data
