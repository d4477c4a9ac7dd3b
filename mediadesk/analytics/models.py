"""Analytics data (03-analytics.md · Data model): metric snapshots of posts, account and
mini-program daily figures, import presets and batches, and the aggregates kept up to date
when data arrives (aggregates.py maintains them; dashboards read only those).

Unknown counts are NULL, never 0: an export that lacks a column says nothing about it.
Rates (完播率, 阅读完成率 …) are stored as fractions (0.452 for 45.2%).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mediadesk.analytics import rules
from mediadesk.content.models import Series, TopicCategory, Variant
from mediadesk.matrix.models import Account, Platform
from mediadesk.orgs.models import Company, Organisation, Project

COUNT_FIELDS: tuple[str, ...] = (
    "impressions", "reads", "readers", "likes", "comments", "shares", "sharers", "favourites",
    "zaikan", "follower_gain", "clicks", "delivered", "message_reads",
    "conv_leads", "conv_registrations", "conv_purchases", "conv_consultations",
)  # fmt: skip
RATE_FIELDS: tuple[str, ...] = ("completion_rate", "bounce_2s", "completion_5s", "read_completion")
FIGURE_FIELDS: tuple[str, ...] = (*COUNT_FIELDS, *RATE_FIELDS, "avg_play_seconds")


def _count(label: Any) -> models.PositiveBigIntegerField[Any, Any]:
    return models.PositiveBigIntegerField(label, null=True, blank=True)


def _rate(label: Any) -> models.DecimalField[Any, Any]:
    return models.DecimalField(label, max_digits=9, decimal_places=6, null=True, blank=True)


class AnalyticsSettings(models.Model):
    """Per-organisation choices of the KPI engine (互动量 with 收藏?, the evaluation hour, 超额)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="analytics_settings"
    )
    count_favourites = models.BooleanField(
        _("互动量计入收藏"),
        default=False,
        help_text=_("互动量 = 点赞 + 评论 + 分享/转发（+ 收藏）"),
    )
    evaluation_hours = models.PositiveSmallIntegerField(
        _("评估取数时点(发布后小时)"), default=72, help_text=_("数据监测表取最接近该时点的快照")
    )
    exceed_ratio = models.DecimalField(
        _("超额达标线"), max_digits=5, decimal_places=2, default=Decimal("1.10"),
        help_text=_("全部目标达成且至少一项达成率不低于该比例为超额达标（1.10 = 110%）"),
    )  # fmt: skip

    audit_type = "analytics_settings"

    class Meta:
        verbose_name = _("数据分析设置")

    def __str__(self) -> str:
        return str(_("%(org)s 数据分析设置") % {"org": self.organisation})

    @classmethod
    def of(cls, organisation_id: int) -> AnalyticsSettings:
        """The organisation's settings, or the defaults (unsaved) when it has none."""
        return cls.objects.filter(organisation_id=organisation_id).first() or cls(
            organisation_id=organisation_id
        )

    def policy(self) -> rules.Policy:
        """The settings as the pure KPI engine's input."""
        return rules.Policy(
            count_favourites=self.count_favourites,
            evaluation_hours=self.evaluation_hours,
            exceed_ratio=Decimal(self.exceed_ratio),
        )


class Source(models.TextChoices):
    IMPORT = "import", _("文件导入")
    API = "api", _("接口")
    MANUAL = "manual", _("手工录入")


class ImportPreset(models.Model):
    """A saved column mapping (表头 → 指标字段) for one platform's export; built-ins live in
    presets.py, saved ones here (organisation-wide)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="import_presets"
    )
    name = models.CharField(_("预设名称"), max_length=60)
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, verbose_name=_("平台"))
    mapping = models.JSONField(_("列映射"), default=dict, help_text=_("{表头: 字段}"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    audit_type = "import_preset"

    class Meta:
        verbose_name = _("导入预设")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="import_preset_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ImportKind(models.TextChoices):
    """What an import batch carries: post snapshots, account daily or mini-program daily figures."""

    SNAPSHOTS = "snapshots", _("发布数据快照")
    ACCOUNT_DAILY = "account_daily", _("账号日数据")
    MINI_PROGRAM_DAILY = "mini_daily", _("小程序日数据")


class ImportBatch(models.Model):
    """One metrics import (file, API call or CLI run): its mapping, state, progress and report.

    States: uploaded → (validating →) validated → (importing → writing →) done; cancelled or
    failed on the way. Nothing is written before `writing`, which is one transaction.
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("待映射")
        VALIDATING = "validating", _("校验中")
        VALIDATED = "validated", _("待确认")
        IMPORTING = "importing", _("导入中")
        WRITING = "writing", _("写入中")
        DONE = "done", _("已完成")
        CANCELLED = "cancelled", _("已取消")
        FAILED = "failed", _("失败")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(
        _("来源"), max_length=8, choices=Source.choices, default=Source.IMPORT
    )
    kind = models.CharField(
        _("数据类型"), max_length=16, choices=ImportKind.choices, default=ImportKind.SNAPSHOTS
    )
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, verbose_name=_("平台"))
    account = models.ForeignKey(
        Account, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("账号"),
        help_text=_("文件没有“账号”列时，所有行属于这个账号"),
    )  # fmt: skip
    preset = models.CharField(_("预设"), max_length=60, blank=True)
    mapping = models.JSONField(_("列映射"), default=dict)
    file = models.FileField(_("文件"), upload_to="imports/metrics/%Y/%m/", blank=True)
    filename = models.CharField(_("文件名"), max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    as_of = models.DateTimeField(_("数据截至"), help_text=_("文件没有“统计时间”列时作为快照时间"))
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.UPLOADED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(_("进度(%)"), default=0)
    cancel_requested = models.BooleanField(_("已请求取消"), default=False)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    created = models.PositiveIntegerField(_("新增快照"), default=0)
    updated = models.PositiveIntegerField(_("更新快照"), default=0)
    unchanged = models.PositiveIntegerField(_("未变化"), default=0)
    unplanned = models.PositiveIntegerField(_("新建计划外发布"), default=0)
    rejected = models.PositiveIntegerField(_("错误行"), default=0)
    fuzzy = models.PositiveIntegerField(_("模糊匹配"), default=0)
    report = models.JSONField(
        _("校验报告"),
        default=dict,
        help_text=_("errors: [[行, 列, 原因]], fuzzy: [[行, 发布id, 说明]]"),
    )
    accepted_fuzzy = models.JSONField(
        _("已确认的模糊匹配"), default=dict, help_text=_("{行: 发布id}")
    )
    message = models.CharField(_("说明"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    audit_type = "metrics_import"

    class Meta:
        verbose_name = _("数据导入")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename or str(_("导入 #%(pk)s") % {"pk": self.pk})

    @property
    def is_running(self) -> bool:
        return self.status in (
            self.Status.VALIDATING,
            self.Status.IMPORTING,
            self.Status.WRITING,
        )


class MetricSnapshot(models.Model):
    """A post's figures at one moment (the 1 h check, 24 h, 72 h, 7 d or any time).

    Unique per (post, taken_at): importing the same data again updates nothing. Counts are
    NULL when the source did not report them; rates are fractions.
    """

    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="snapshots")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    taken_at = models.DateTimeField(_("统计时间"))
    hours_after_publish = models.PositiveIntegerField(_("发布后小时数"), null=True, blank=True)
    impressions = _count(_("曝光"))
    reads = _count(_("阅读/播放次数"))
    readers = _count(_("阅读/播放人数"))
    likes = _count(_("点赞"))
    comments = _count(_("评论"))
    shares = _count(_("分享/转发次数"))
    sharers = _count(_("分享人数"))
    favourites = _count(_("收藏"))
    zaikan = _count(_("在看"))
    follower_gain = _count(_("涨粉/阅读后关注"))
    clicks = _count(_("点击"))
    delivered = _count(_("送达人数"))
    message_reads = _count(_("公众号消息阅读次数"))
    conv_leads = _count(_("留资"))
    conv_registrations = _count(_("注册"))
    conv_purchases = _count(_("购买"))
    conv_consultations = _count(_("咨询"))
    completion_rate = _rate(_("完播率"))
    bounce_2s = _rate(_("2s跳出率"))
    completion_5s = _rate(_("5s完播率"))
    read_completion = _rate(_("阅读完成率"))
    avg_play_seconds = models.DecimalField(
        _("平均播放时长(秒)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    extra = models.JSONField(_("其他列"), default=dict, blank=True)
    source = models.CharField(
        _("来源"), max_length=8, choices=Source.choices, default=Source.IMPORT
    )
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="snapshots"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    audit_type = "metric_snapshot"

    class Meta:
        verbose_name = _("数据快照")
        ordering = ["variant_id", "taken_at"]
        constraints = [
            models.UniqueConstraint(fields=["variant", "taken_at"], name="snapshot_unique_time")
        ]

    def __str__(self) -> str:
        return f"{self.variant_id} @ {self.taken_at:%Y-%m-%d %H:%M}"

    def figures(self) -> rules.Figures:
        """The snapshot's raw figures as the KPI engine's input."""
        return rules.Figures(**{name: getattr(self, name) for name in FIGURE_FIELDS})


class AccountDaily(models.Model):
    """An account's figures for one day: followers, new, cancelled (净增 = 新增 − 取关)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="daily_figures")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("日期"))
    followers = _count(_("粉丝数(累计)"))
    new_followers = _count(_("新增关注"))
    cancelled_followers = _count(_("取消关注"))
    reads_by_source = models.JSONField(
        _("分渠道阅读"),
        default=dict,
        blank=True,
        help_text=_("{渠道: 阅读次数}，如 会话、朋友圈、搜一搜"),
    )
    source = models.CharField(
        _("来源"), max_length=8, choices=Source.choices, default=Source.IMPORT
    )

    audit_type = "account_daily"

    class Meta:
        verbose_name = _("账号日数据")
        ordering = ["account_id", "date"]
        constraints = [
            models.UniqueConstraint(fields=["account", "date"], name="account_daily_unique")
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.date}"

    @property
    def net_gain(self) -> int | None:
        """净增粉 = 新增 − 取关 (None when either is unknown)."""
        return rules.net_gain(self.new_followers, self.cancelled_followers)


class MiniProgramDaily(models.Model):
    """A mini-program's figures for one day (小程序 KPIs); 购买人数 comes from the project's own
    orders/leads, not from WeChat, so it is stored separately from the platform figures."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    date = models.DateField(_("日期"))
    visit_uv = _count(_("访问人数"))
    visit_pv = _count(_("访问次数"))
    new_users = _count(_("新用户数"))
    stay_seconds_per_user = models.DecimalField(
        _("人均停留(秒)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    buyers = _count(_("购买人数(自有数据)"))
    source = models.CharField(
        _("来源"), max_length=8, choices=Source.choices, default=Source.IMPORT
    )

    audit_type = "mini_program_daily"

    class Meta:
        verbose_name = _("小程序日数据")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(account__isnull=False) | Q(project__isnull=False),
                name="mini_program_daily_has_owner",
            ),
            models.UniqueConstraint(
                fields=["account", "date"],
                condition=Q(account__isnull=False),
                name="mini_program_daily_account_unique",
            ),
            models.UniqueConstraint(
                fields=["project", "date"],
                condition=Q(account__isnull=True),
                name="mini_program_daily_project_unique",
            ),
        ]

    def __str__(self) -> str:
        return str(
            _("小程序 %(id)s %(date)s")
            % {"id": self.account_id or self.project_id, "date": self.date}
        )


# ---------------------------------------------------------------------------------------------
# Aggregates (maintained by aggregates.py in the transaction that writes the snapshots)

TOTAL_FIELDS: tuple[str, ...] = (
    "exposure", "impressions", "reads", "likes", "comments", "shares", "favourites",
    "interactions", "conversions", "follower_gain", "clicks",
)  # fmt: skip


class PostMetrics(models.Model):
    """A post's current figures: its latest snapshot, and the snapshot closest to the
    evaluation hour (72 h by default) that template 3 and target achievement use.

    Dimensions are copied from the post so dashboards filter this one table. `exposure` is
    曝光 when reported, else 阅读/播放 (rules.exposure); `interactions` follows the
    organisation's 收藏 setting; `conversions` sums the conversion kinds.
    """

    variant = models.OneToOneField(
        Variant, on_delete=models.CASCADE, primary_key=True, related_name="metrics"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, null=True, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, null=True, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    series = models.ForeignKey(Series, on_delete=models.SET_NULL, null=True, related_name="+")
    category = models.ForeignKey(
        TopicCategory, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    form = models.CharField(max_length=16, blank=True)
    published_at = models.DateTimeField(null=True)
    published_on = models.DateField(null=True, help_text=_("发布日期(北京时间)"))
    followers_at_publish = _count(_("发布时粉丝数"))
    snapshots = models.PositiveIntegerField(default=0)
    latest = models.ForeignKey(
        MetricSnapshot, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    latest_taken_at = models.DateTimeField(null=True)
    evaluation = models.ForeignKey(
        MetricSnapshot, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    evaluation_hours = models.PositiveIntegerField(null=True, help_text=_("评估快照的发布后小时数"))
    exposure = _count(_("曝光量"))
    impressions = _count(_("曝光"))
    reads = _count(_("阅读/播放"))
    likes = _count(_("点赞"))
    comments = _count(_("评论"))
    shares = _count(_("分享/转发"))
    favourites = _count(_("收藏"))
    interactions = _count(_("互动量"))
    conversions = _count(_("转化量"))
    follower_gain = _count(_("涨粉"))
    clicks = _count(_("点击"))
    eval_exposure = _count(_("评估曝光量"))
    eval_interactions = _count(_("评估互动量"))
    eval_conversions = _count(_("评估转化量"))

    class Meta:
        verbose_name = _("发布当前数据")
        indexes = [
            models.Index(fields=["organisation", "published_on"]),
            models.Index(fields=["account", "published_on"]),
        ]

    def __str__(self) -> str:
        return str(_("发布 %(id)s 当前数据") % {"id": self.variant_id})


class Totals(models.Model):
    """Sums of the current figures of a group of posts (unknown figures count as 0; `posts`
    counts the posts that have any snapshot)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    posts = models.PositiveIntegerField(_("发布数"), default=0)
    exposure = models.BigIntegerField(_("曝光量"), default=0)
    impressions = models.BigIntegerField(_("曝光"), default=0)
    reads = models.BigIntegerField(_("阅读/播放"), default=0)
    likes = models.BigIntegerField(_("点赞"), default=0)
    comments = models.BigIntegerField(_("评论"), default=0)
    shares = models.BigIntegerField(_("分享/转发"), default=0)
    favourites = models.BigIntegerField(_("收藏"), default=0)
    interactions = models.BigIntegerField(_("互动量"), default=0)
    conversions = models.BigIntegerField(_("转化量"), default=0)
    follower_gain = models.BigIntegerField(_("涨粉"), default=0)
    clicks = models.BigIntegerField(_("点击"), default=0)

    class Meta:
        abstract = True


class DailyTotals(Totals):
    """Per publish day × account (× its platform): the current figures of the posts published
    that day on that account."""

    date = models.DateField(_("发布日期"))
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, null=True, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, null=True, related_name="+")

    class Meta:
        verbose_name = _("日×账号汇总")
        indexes = [models.Index(fields=["organisation", "date"])]
        constraints = [
            models.UniqueConstraint(fields=["account", "date"], name="daily_totals_unique")
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.date}"


class SeriesTotals(Totals):
    """Per series/album: the current figures of its posts."""

    series = models.OneToOneField(Series, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("专辑汇总")

    def __str__(self) -> str:
        return str(_("专辑 %(id)s") % {"id": self.series_id})


class OwnerTotals(Totals):
    """Per owner (负责人): the current figures of the posts they own."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("负责人汇总")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "owner"], name="owner_totals_unique")
        ]

    def __str__(self) -> str:
        return str(_("负责人 %(id)s") % {"id": self.owner_id})


# ---------------------------------------------------------------------------------------------
# Presentation side (dashboards, template 3, reports, A/B tests, competitors): the analyst's
# own records. Figures never live here — they come from the aggregates above.


class Attribution(models.TextChoices):
    """归因 reason tags of a post below or above its target (custom text is allowed too)."""

    WEAK_CONTENT = "weak_content", _("内容吸引力不足")
    BAD_TIME = "bad_time", _("发布时间不当")
    PLATFORM_TRAFFIC = "platform_traffic", _("平台流量波动")
    KOL = "kol", _("KOL带动")
    HOT_TOPIC = "hot_topic", _("热点借势")


def attribution_label(tag: str) -> str:
    """A tag's label: the built-in reason's label, or the custom text itself."""
    return str(dict(Attribution.choices).get(tag, tag))


class PostAnalysis(models.Model):
    """The analyst's text of one post in template 3 (亮点/问题分析, 优化建议) and its 归因 tags.

    Absent until someone edits it: until then the page shows the generated hints."""

    variant = models.OneToOneField(
        Variant, on_delete=models.CASCADE, primary_key=True, related_name="analysis"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, null=True, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, null=True, related_name="+")
    analysis = models.TextField(_("亮点/问题分析"), max_length=1000, blank=True)
    suggestion = models.TextField(_("优化建议"), max_length=1000, blank=True)
    tags = models.JSONField(
        _("归因"), default=list, blank=True, help_text=_("内置代码或自定义文本")
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    audit_type = "post_analysis"

    class Meta:
        verbose_name = _("发布分析")

    def __str__(self) -> str:
        return str(_("发布 %(id)s 分析") % {"id": self.variant_id})

    def tag_labels(self) -> list[str]:
        return [attribution_label(t) for t in self.tags]


class ABTest(models.Model):
    """A 标题/封面 test: a hypothesis, the metric, two or more variants with their figures."""

    class Kind(models.TextChoices):
        TITLE = "title", _("标题")
        COVER = "cover", _("封面")

    class Metric(models.TextChoices):
        CLICK = "click", _("点击率")
        READ = "read", _("阅读率")
        COMPLETION = "completion", _("完播率")
        CONVERSION = "conversion", _("转化率")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="+", verbose_name=_("城市公司"))  # fmt: skip
    project = models.ForeignKey(Project, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="+", verbose_name=_("项目"))  # fmt: skip
    name = models.CharField(_("测试名称"), max_length=80)
    hypothesis = models.TextField(_("假设"), max_length=500)
    kind = models.CharField(_("测试对象"), max_length=8, choices=Kind.choices, default=Kind.TITLE)
    metric = models.CharField(
        _("指标"), max_length=12, choices=Metric.choices, default=Metric.CLICK
    )
    account = models.ForeignKey(Account, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("账号"))  # fmt: skip
    min_exposures = models.PositiveIntegerField(_("每组最少曝光"), default=100)
    min_successes = models.PositiveIntegerField(
        _("每组最少成功/失败数"),
        default=10,
        help_text=_("正态近似成立的条件：成功数与失败数都不少于该值"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    audit_type = "ab_test"

    class Meta:
        verbose_name = _("A/B测试")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class ABVariant(models.Model):
    """One arm of an A/B test: its title or cover and its exposure and successes."""

    test = models.ForeignKey(ABTest, on_delete=models.CASCADE, related_name="arms")
    label = models.CharField(_("组别"), max_length=20)
    content = models.CharField(_("标题/封面说明"), max_length=200)
    exposures = models.PositiveBigIntegerField(_("曝光/样本数"), default=0)
    successes = models.PositiveBigIntegerField(_("成功数(点击/阅读/完播…)"), default=0)
    sort = models.PositiveSmallIntegerField(default=0)

    audit_type = "ab_variant"

    class Meta:
        verbose_name = _("A/B测试组")
        ordering = ["test_id", "sort", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(successes__lte=models.F("exposures")), name="ab_variant_successes_le"
            )
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.content}"


class BenchmarkAccount(models.Model):
    """A competitor's public account (竞品), compared with own accounts."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="+", verbose_name=_("城市公司"))  # fmt: skip
    project = models.ForeignKey(Project, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="+", verbose_name=_("项目"))  # fmt: skip
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, verbose_name=_("平台"))
    name = models.CharField(_("竞品账号"), max_length=60)
    owner_name = models.CharField(_("所属企业/楼盘"), max_length=60, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    audit_type = "benchmark_account"

    class Meta:
        verbose_name = _("竞品账号")
        ordering = ["platform_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "platform", "name"], name="benchmark_account_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.platform.name}）"


class BenchmarkFigure(models.Model):
    """A competitor's public figures on one day (粉丝数, 发布数, 互动量); unknown = NULL."""

    benchmark = models.ForeignKey(
        BenchmarkAccount, on_delete=models.CASCADE, related_name="figures"
    )
    date = models.DateField(_("日期"))
    followers = _count(_("粉丝数"))
    posts = _count(_("当日发布数"))
    interactions = _count(_("当日互动量"))
    source = models.CharField(
        _("来源"), max_length=8, choices=Source.choices, default=Source.MANUAL
    )

    audit_type = "benchmark_figure"

    class Meta:
        verbose_name = _("竞品数据")
        ordering = ["benchmark_id", "date"]
        constraints = [
            models.UniqueConstraint(fields=["benchmark", "date"], name="benchmark_figure_unique")
        ]

    def __str__(self) -> str:
        return f"{self.benchmark_id} {self.date}"
