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

from mediadesk.core.models import TimeStampedModel
from mediadesk.matrix.models import Account, Platform
from mediadesk.orgs.models import Company, Organisation, Project


class Form(models.TextChoices):
    """内容形式."""

    ARTICLE = "article", "图文"
    SHORT_VIDEO = "short_video", "短视频"
    LONG_ARTICLE = "long_article", "长图文"
    POSTER = "poster", "海报"
    LIVE_TEASER = "live_teaser", "直播预告"
    TOPIC = "topic", "话题"
    QA = "qa", "问答"
    NOTE = "note", "笔记"
    OTHER = "other", "其他"


class Status(models.TextChoices):
    """The content lifecycle (shared by items and variants)."""

    DRAFT = "draft", "草稿"
    IN_REVIEW = "in_review", "审核中"
    CHANGES = "changes", "需修改"
    APPROVED = "approved", "已通过(待发布)"
    SCHEDULED = "scheduled", "已排期"
    PUBLISHED = "published", "已发布"
    WITHDRAWN = "withdrawn", "已撤回"
    REJECTED = "rejected", "已驳回"


class TopicCategory(models.Model):
    """A topic category of the topic matrix (产品类, 品牌类, 活动类, 服务类, 行业类 …)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="topic_categories"
    )
    name = models.CharField("主题分类", max_length=30)
    sort = models.PositiveSmallIntegerField("排序", default=100)
    is_active = models.BooleanField("启用", default=True)

    audit_type = "topic_category"

    class Meta:
        verbose_name = "内容主题分类"
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
        Company, on_delete=models.PROTECT, null=True, blank=True, verbose_name="城市公司"
    )
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, null=True, blank=True, verbose_name="项目"
    )
    name = models.CharField("专辑/系列", max_length=60)
    category = models.ForeignKey(
        TopicCategory, on_delete=models.PROTECT, null=True, blank=True, verbose_name="主题分类"
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, null=True, blank=True, verbose_name="发布账号"
    )
    weekly_quota = models.PositiveSmallIntegerField("每周篇数", default=0)
    description = models.TextField("说明", blank=True)
    is_active = models.BooleanField("启用", default=True)

    audit_type = "series"

    class Meta:
        verbose_name = "专辑/系列"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="series_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class MarketingNode(TimeStampedModel):
    """A calendar event plans attach to: holidays, 618/双11, 开盘/交付, the monthly live."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "节假日"
        PROMOTION = "promotion", "营销节点"
        PROJECT = "project", "项目节点"
        LIVE = "live", "直播"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="marketing_nodes"
    )
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, null=True, blank=True, verbose_name="城市公司"
    )
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, null=True, blank=True, verbose_name="项目"
    )
    name = models.CharField("节点名称", max_length=60)
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期", null=True, blank=True)
    monthly_day = models.PositiveSmallIntegerField(
        "每月重复日", null=True, blank=True, help_text="如每月20日城市领导直播；留空为不重复"
    )
    notes = models.TextField("备注", blank=True)

    audit_type = "marketing_node"

    class Meta:
        verbose_name = "营销节点"
        ordering = ["starts_on", "id"]

    def __str__(self) -> str:
        return self.name


class Asset(TimeStampedModel):
    """A file in the asset library (素材库) with its licence; duplicates found by content hash."""

    class Kind(models.TextChoices):
        IMAGE = "image", "图片"
        VIDEO = "video", "视频"
        DOCUMENT = "document", "文档"
        FONT = "font", "字体"
        MUSIC = "music", "音乐"

    class Licence(models.TextChoices):
        OWN = "own", "自有/原创"
        PURCHASED = "purchased", "已购买授权"
        FREE = "free", "免费商用"
        AUTHORISED = "authorised", "权利人书面授权"
        NONE = "none", "未取得授权"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="assets")
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, null=True, blank=True, verbose_name="城市公司"
    )
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, null=True, blank=True, verbose_name="项目"
    )
    series = models.ForeignKey(
        Series, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="专辑/系列"
    )
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    title = models.CharField("名称", max_length=100)
    file = models.FileField("文件", upload_to="assets/%Y/%m/")
    size = models.PositiveBigIntegerField("大小(字节)", default=0)
    content_hash = models.CharField("内容哈希", max_length=64, editable=False)
    tags = models.CharField("标签", max_length=200, blank=True)
    licence_source = models.CharField("来源", max_length=100, blank=True)
    licence_type = models.CharField(
        "授权类型", max_length=12, choices=Licence.choices, default=Licence.NONE
    )
    licence_expires_on = models.DateField("授权到期", null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    audit_type = "asset"

    class Meta:
        verbose_name = "素材"
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
        Company, on_delete=models.PROTECT, null=True, blank=True, verbose_name="城市公司"
    )
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, null=True, blank=True, verbose_name="项目"
    )
    title = models.CharField("标题", max_length=120)
    category = models.ForeignKey(
        TopicCategory, on_delete=models.PROTECT, null=True, blank=True, verbose_name="内容主题"
    )
    series = models.ForeignKey(
        Series,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items",
        verbose_name="专辑/系列",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="content_items",
        verbose_name="负责人",
    )
    form = models.CharField("内容形式", max_length=16, choices=Form.choices)
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    target_exposure = models.PositiveBigIntegerField("目标曝光/播放", null=True, blank=True)
    target_interactions = models.PositiveBigIntegerField("目标互动", null=True, blank=True)
    target_conversions = models.PositiveBigIntegerField("目标转化", null=True, blank=True)
    seo_keywords = models.CharField("SEO关键词", max_length=200, blank=True)
    notes = models.TextField("备注", blank=True)
    is_reserve = models.BooleanField("备选方案", default=False)
    is_unplanned = models.BooleanField(
        "计划外", default=False, help_text="由数据导入创建：平台上已发布但未在系统中计划的内容"
    )
    marketing_node = models.ForeignKey(
        MarketingNode, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="营销节点"
    )
    assets = models.ManyToManyField(Asset, blank=True, related_name="items", verbose_name="素材")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    edit_version = models.PositiveIntegerField(
        default=1, editable=False, help_text="bumped by every edit; a revision records it"
    )

    audit_type = "content_item"

    class Meta:
        verbose_name = "内容"
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
        Account, on_delete=models.PROTECT, related_name="variants", verbose_name="发布账号"
    )
    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, related_name="+", verbose_name="平台"
    )
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    title = models.CharField("标题", max_length=200, blank=True)
    body = models.TextField("正文/脚本", blank=True)
    digest = models.CharField("摘要", max_length=300, blank=True)
    tags = models.CharField("话题/标签", max_length=300, blank=True)
    mentions = models.CharField("@提及", max_length=300, blank=True)
    link_url = models.URLField("链接(阅读原文/线索/购物车)", max_length=500, blank=True)
    cover = models.ForeignKey(
        Asset, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    duration_seconds = models.PositiveIntegerField("视频时长(秒)", null=True, blank=True)
    planned_at = models.DateTimeField("计划发布时间", null=True, blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_url = models.URLField("发布链接", max_length=500, blank=True)
    external_id = models.CharField("平台内容ID", max_length=120, blank=True)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdrawn_reason = models.CharField("撤回原因", max_length=200, blank=True)

    audit_type = "variant"

    class Meta:
        verbose_name = "平台稿"
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
    weekend = models.BooleanField("仅周末", default=False)
    starts = models.TimeField("开始")
    ends = models.TimeField("结束")
    note = models.CharField("说明", max_length=100, blank=True)

    audit_type = "best_time"

    class Meta:
        verbose_name = "最佳发布时段"
        ordering = ["platform__sort", "weekend", "starts"]

    def __str__(self) -> str:
        return f"{self.platform.name} {self.starts:%H:%M}–{self.ends:%H:%M}"
