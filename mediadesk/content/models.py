"""Content planning: topic categories, series with quotas, items with per-platform variants,
marketing nodes, best-time hints and the asset library (02-content-review.md · Planning).

A variant that has been published is a **post**: analytics attaches metric snapshots to it.
Variants copy their item's organisation/company/project/owner so the calendar and the
analytics filter one indexed table instead of joining for every cell.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mediadesk.core.models import TimeStampedModel
from mediadesk.matrix.models import Account, Platform
from mediadesk.orgs.models import Company, Organisation, Project


class Form(models.TextChoices):
    """内容形式."""

    ARTICLE = "article", _("图文")
    SHORT_VIDEO = "short_video", _("短视频")
    LONG_ARTICLE = "long_article", _("长图文")
    POSTER = "poster", _("海报")
    LIVE_TEASER = "live_teaser", _("直播预告")
    TOPIC = "topic", _("话题")
    QA = "qa", _("问答")
    NOTE = "note", _("笔记")
    OTHER = "other", _("其他")


class Status(models.TextChoices):
    """The content lifecycle (shared by items and variants)."""

    DRAFT = "draft", _("草稿")
    IN_REVIEW = "in_review", _("审核中")
    CHANGES = "changes", _("需修改")
    APPROVED = "approved", _("已通过(待发布)")
    SCHEDULED = "scheduled", _("已排期")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")
    REJECTED = "rejected", _("已驳回")


class TopicCategory(models.Model):
    """A topic category of the topic matrix (产品类, 品牌类, 活动类, 服务类, 行业类 …)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="topic_categories"
    )
    name = models.CharField(_("主题分类"), max_length=30)
    sort = models.PositiveSmallIntegerField(_("排序"), default=100)
    is_active = models.BooleanField(_("启用"), default=True)

    audit_type = "topic_category"

    class Meta:
        verbose_name = _("内容主题分类")
        ordering = ["sort", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="topic_category_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Series(TimeStampedModel):
    """A series/album (专辑) with a weekly quota on one account, e.g. 美好西安 2 per week."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="series")
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("城市公司")
    )
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("项目")
    )
    name = models.CharField(_("专辑/系列"), max_length=60)
    category = models.ForeignKey(
        TopicCategory, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("主题分类")
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("发布账号")
    )
    weekly_quota = models.PositiveSmallIntegerField(_("每周篇数"), default=0)
    description = models.TextField(_("说明"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    audit_type = "series"

    class Meta:
        verbose_name = _("专辑/系列")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="series_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class MarketingNode(TimeStampedModel):
    """A calendar event plans attach to: holidays, 618/双11, 开盘/交付, the monthly live."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("节假日")
        PROMOTION = "promotion", pgettext_lazy("marketing date kind", "营销节点")
        PROJECT = "project", _("项目节点")
        LIVE = "live", _("直播")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="marketing_nodes"
    )
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("城市公司")
    )
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("项目")
    )
    name = models.CharField(_("节点名称"), max_length=60)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    monthly_day = models.PositiveSmallIntegerField(
        _("每月重复日"), null=True, blank=True, help_text=_("如每月20日城市领导直播；留空为不重复")
    )
    notes = models.TextField(_("备注"), blank=True)

    audit_type = "marketing_node"

    class Meta:
        verbose_name = _("营销节点")
        ordering = ["starts_on", "id"]

    def __str__(self) -> str:
        return self.name


class Asset(TimeStampedModel):
    """A file in the asset library (素材库) with its licence; duplicates found by content hash."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("图片")
        VIDEO = "video", _("视频")
        DOCUMENT = "document", _("文档")
        FONT = "font", _("字体")
        MUSIC = "music", _("音乐")

    class Licence(models.TextChoices):
        OWN = "own", _("自有/原创")
        PURCHASED = "purchased", _("已购买授权")
        FREE = "free", _("免费商用")
        AUTHORISED = "authorised", _("权利人书面授权")
        NONE = "none", _("未取得授权")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="assets")
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("城市公司")
    )
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("项目")
    )
    series = models.ForeignKey(
        Series, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("专辑/系列")
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("名称"), max_length=100)
    file = models.FileField(_("文件"), upload_to="assets/%Y/%m/")
    size = models.PositiveBigIntegerField(_("大小(字节)"), default=0)
    content_hash = models.CharField(_("内容哈希"), max_length=64, editable=False)
    tags = models.CharField(_("标签"), max_length=200, blank=True)
    licence_source = models.CharField(_("来源"), max_length=100, blank=True)
    licence_type = models.CharField(
        _("授权类型"), max_length=12, choices=Licence.choices, default=Licence.NONE
    )
    licence_expires_on = models.DateField(_("授权到期"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    audit_type = "asset"

    class Meta:
        verbose_name = _("素材")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "content_hash"], name="asset_hash_unique"
            )
        ]

    def __str__(self) -> str:
        return self.title


class ContentItem(TimeStampedModel):
    """A content item (内容): one idea with a variant per target platform/account."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="content_items"
    )
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("城市公司")
    )
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("项目")
    )
    title = models.CharField(_("标题"), max_length=120)
    category = models.ForeignKey(
        TopicCategory, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("内容主题")
    )
    series = models.ForeignKey(
        Series,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items",
        verbose_name=_("专辑/系列"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="content_items",
        verbose_name=_("负责人"),
    )
    form = models.CharField(_("内容形式"), max_length=16, choices=Form.choices)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    target_exposure = models.PositiveBigIntegerField(_("目标曝光/播放"), null=True, blank=True)
    target_interactions = models.PositiveBigIntegerField(_("目标互动"), null=True, blank=True)
    target_conversions = models.PositiveBigIntegerField(_("目标转化"), null=True, blank=True)
    seo_keywords = models.CharField(_("SEO关键词"), max_length=200, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    is_reserve = models.BooleanField(pgettext_lazy("content", "备选方案"), default=False)
    is_unplanned = models.BooleanField(
        _("计划外"),
        default=False,
        help_text=_("由数据导入创建：平台上已发布但未在系统中计划的内容"),
    )
    marketing_node = models.ForeignKey(
        MarketingNode, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("营销节点")
    )
    assets = models.ManyToManyField(Asset, blank=True, related_name="items", verbose_name=_("素材"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    edit_version = models.PositiveIntegerField(
        default=1, editable=False, help_text="bumped by every edit; a revision records it"
    )

    audit_type = "content_item"

    class Meta:
        verbose_name = _("内容")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organisation", "status"])]

    def __str__(self) -> str:
        return self.title


class Variant(TimeStampedModel):
    """An item's version for one account/platform (平台稿); once published it is a post."""

    item = models.ForeignKey(ContentItem, on_delete=models.CASCADE, related_name="variants")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, null=True, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, null=True, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    series = models.ForeignKey(Series, on_delete=models.SET_NULL, null=True, related_name="+")
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="variants", verbose_name=_("发布账号")
    )
    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, related_name="+", verbose_name=_("平台")
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    title = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("正文/脚本"), blank=True)
    digest = models.CharField(_("摘要"), max_length=300, blank=True)
    tags = models.CharField(_("话题/标签"), max_length=300, blank=True)
    mentions = models.CharField(_("@提及"), max_length=300, blank=True)
    link_url = models.URLField(_("链接(阅读原文/线索/购物车)"), max_length=500, blank=True)
    cover = models.ForeignKey(
        Asset, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    duration_seconds = models.PositiveIntegerField(_("视频时长(秒)"), null=True, blank=True)
    planned_at = models.DateTimeField(_("计划发布时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_url = models.URLField(_("发布链接"), max_length=500, blank=True)
    external_id = models.CharField(_("平台内容ID"), max_length=120, blank=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("撤回原因"), max_length=200, blank=True)

    audit_type = "variant"

    class Meta:
        verbose_name = _("平台稿")
        ordering = ["planned_at", "id"]
        indexes = [
            models.Index(fields=["organisation", "planned_at"]),
            models.Index(fields=["organisation", "published_at"]),
            models.Index(fields=["account", "published_at"]),
            models.Index(fields=["platform", "external_id"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["item", "account"], name="variant_one_per_account"),
            models.CheckConstraint(
                condition=Q(status="published", published_at__isnull=False)
                | ~Q(status="published"),
                name="variant_published_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.title} · {self.platform.name}"


class BestTime(models.Model):
    """A best-time window for a platform (domain-cn §6 defaults; editable)."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="best_times")
    weekend = models.BooleanField(_("仅周末"), default=False)
    starts = models.TimeField(_("开始"))
    ends = models.TimeField(_("结束"))
    note = models.CharField(_("说明"), max_length=100, blank=True)

    audit_type = "best_time"

    class Meta:
        verbose_name = _("最佳发布时段")
        ordering = ["platform__sort", "weekend", "starts"]

    def __str__(self) -> str:
        return f"{self.platform.name} {self.starts:%H:%M}–{self.ends:%H:%M}"
