"""Engagement tables: the inbox (messages, notes, replies), service seats and rules, SLAs,
standard replies, sentiment lexicon and corrections, webhook intake, and opinion monitoring
(watch terms, mentions, signals, grades and incidents)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mediadesk.core.models import TimeStampedModel
from mediadesk.orgs.models import Company, Organisation, Project

USER = settings.AUTH_USER_MODEL


class Kind(models.TextChoices):
    COMMENT = "comment", _("评论/留言")
    REPLY = "reply", _("回复")
    PRIVATE_MESSAGE = "private_message", _("私信")
    OFFICIAL_MESSAGE = "official_message", _("公众号消息")
    MENTION = "mention", _("@提及")
    LIVE_COMMENT = "live_comment", _("直播评论")


class Status(models.TextChoices):
    NEW = "new", _("新消息")
    IN_PROGRESS = "in_progress", _("处理中")
    REPLIED = "replied", _("已回复")
    CLOSED = "closed", _("已关闭")
    NO_REPLY = "no_reply", _("无需回复")
    SPAM = "spam", _("垃圾")


OPEN_STATUSES = (Status.NEW, Status.IN_PROGRESS)


class Polarity(models.TextChoices):
    POSITIVE = "positive", _("正面")
    NEUTRAL = "neutral", _("中性")
    NEGATIVE = "negative", _("负面")


class Message(models.Model):
    """One incoming comment, reply, private message, 公众号 message, mention or live comment."""

    # No single-column indexes on organisation, platform, account and assignee: the composite
    # indexes below lead with them (lookups and deletes use those), and every index costs each
    # ingested row a B-tree insert (2,000,000 rows, 1,000 messages/s).
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    company = models.ForeignKey(Company, on_delete=models.PROTECT, null=True, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, null=True, related_name="+")
    platform = models.ForeignKey(
        "matrix.Platform", on_delete=models.PROTECT, related_name="+", verbose_name=_("平台"),
        db_index=False,
    )  # fmt: skip
    account = models.ForeignKey(
        "matrix.Account", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("账号"), db_index=False,
    )  # fmt: skip
    variant = models.ForeignKey(
        "content.Variant", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("所属发布"),
    )  # fmt: skip
    post_url = models.URLField(_("帖子链接"), max_length=500, blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    external_id = models.CharField(_("平台消息ID"), max_length=128)
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children"
    )
    thread_key = models.CharField(_("会话"), max_length=160, blank=True, db_index=True)
    author_id = models.CharField(_("用户ID"), max_length=128, blank=True)
    author_name = models.CharField(_("昵称"), max_length=100, blank=True)
    author_followers = models.PositiveIntegerField(_("粉丝数"), null=True, blank=True)
    text = models.TextField(_("内容"))
    received_at = models.DateTimeField(_("时间"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.NEW)
    # status in OPEN_STATUSES, kept by save(): "待处理" is one equality, so an index on
    # (platform/account/organisation, is_open, received_at) serves the inbox without a sort.
    is_open = models.BooleanField(default=True, editable=False)
    assignee = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("处理人"), db_index=False,
    )  # fmt: skip
    polarity = models.CharField(_("情感"), max_length=10, choices=Polarity.choices)
    score = models.FloatField(_("情感得分"), default=0)
    sentiment_words = models.JSONField(_("判定词"), default=list, blank=True)
    corrected_polarity = models.CharField(
        _("人工校正"), max_length=10, choices=Polarity.choices, blank=True
    )
    negative_types = models.JSONField(_("负面类型"), default=list, blank=True)
    lead_candidate = models.BooleanField(_("潜在客户"), default=False)
    lead_reasons = models.JSONField(default=list, blank=True)
    lead_touch_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    watch_terms = models.JSONField(_("命中监测词"), default=list, blank=True)
    suggestions = models.JSONField(_("推荐话术"), default=list, blank=True)
    tags = models.JSONField(_("标签"), default=list, blank=True)
    due_at = models.DateTimeField(_("回复时限"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("首次回复时间"), null=True, blank=True)
    first_responder = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sla_breached_at = models.DateTimeField(_("超时标记时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    audit_type = "message"

    class Meta:
        verbose_name = _("互动消息")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "platform", "external_id"], name="message_once_per_platform"
            )
        ]
        indexes = [
            # Ascending: a backward scan yields ORDER BY -received_at, -id without a sort (the
            # row id ends every index); a descending column would need one for the tie-break.
            models.Index(fields=["organisation", "status", "received_at"]),
            models.Index(fields=["organisation", "received_at"]),
            models.Index(fields=["assignee", "is_open", "received_at"]),
            models.Index(fields=["account", "received_at"]),
            models.Index(fields=["platform", "is_open", "received_at"]),
            models.Index(fields=["account", "is_open", "received_at"]),
            models.Index(fields=["organisation", "is_open", "received_at"]),
            # the SLA job: open, not yet flagged, due before now (conditions bound as
            # parameters cannot use a partial index, so the columns lead instead)
            models.Index(fields=["is_open", "sla_breached_at", "due_at"], name="message_sla_open"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.text[:30]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.is_open = self.status in OPEN_STATUSES
        fields = kwargs.get("update_fields")
        if fields is not None and "status" in fields:
            kwargs["update_fields"] = {*fields, "is_open"}
        super().save(*args, **kwargs)

    @property
    def effective_polarity(self) -> str:
        return self.corrected_polarity or self.polarity


class Note(models.Model):
    """An internal note on a message (never sent to the platform)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("备注"))
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("内部备注")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.text[:30]


class Reply(models.Model):
    """An outgoing reply: sent through a connector, confirmed by hand, or held for approval."""

    class State(models.TextChoices):
        PENDING = "pending", _("待审批")
        SENT = "sent", _("已通过接口发送")
        MANUAL = "manual", _("已在平台回复")
        FAILED = "failed", _("发送失败")
        REJECTED = "rejected", _("审批未通过")

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="replies")
    text = models.TextField(_("回复内容"))
    standard_reply = models.ForeignKey(
        "StandardReply", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    state = models.CharField(_("状态"), max_length=10, choices=State.choices)
    platform_reply_id = models.CharField(_("平台回复ID"), max_length=128, blank=True)
    error = models.CharField(_("错误"), max_length=300, blank=True)
    findings = models.JSONField(default=list, blank=True)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    audit_type = "message_reply"

    class Meta:
        verbose_name = _("回复")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:30]


class ServiceSeat(models.Model):
    """A service user's seat in the inbox: on duty or not, supervisor, round-robin position."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    on_duty = models.BooleanField(_("在岗"), default=True)
    supervisor = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("主管"),
    )  # fmt: skip
    last_assigned_at = models.DateTimeField(null=True, blank=True, editable=False)

    audit_type = "service_seat"

    class Meta:
        verbose_name = _("客服席位")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="seat_once_per_user")
        ]

    def __str__(self) -> str:
        return str(self.user)


class AssignmentRule(models.Model):
    """Route messages of an account, or containing a keyword, to one person (first match wins)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(
        "matrix.Account", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("账号"),
    )  # fmt: skip
    keyword = models.CharField(_("关键词"), max_length=40, blank=True)
    assignee = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    sort = models.PositiveSmallIntegerField(_("顺序"), default=100)
    is_active = models.BooleanField(_("启用"), default=True)

    audit_type = "assignment_rule"

    class Meta:
        verbose_name = _("分配规则")
        ordering = ["sort", "id"]

    def __str__(self) -> str:
        return self.keyword or str(self.account_id or "")


class SlaPolicy(models.Model):
    """A first-response target for a platform and kind (blank = any), optional business hours."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    platform_code = models.CharField(_("平台"), max_length=30, blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, blank=True)
    minutes = models.PositiveIntegerField(_("首次回复时限(分钟)"))
    business_hours = models.BooleanField(_("仅工作时间计时"), default=False)
    day_starts = models.TimeField(_("上班"), null=True, blank=True)
    day_ends = models.TimeField(_("下班"), null=True, blank=True)

    audit_type = "sla_policy"

    class Meta:
        verbose_name = _("回复时限")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "platform_code", "kind"], name="sla_once_per_pair"
            )
        ]

    def __str__(self) -> str:
        return f"{self.platform_code or '*'}/{self.kind or '*'} {self.minutes}"


class ApprovalRule(models.Model):
    """Replies on an account (blank = any) with a sentiment (blank = any) need approval."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(
        "matrix.Account", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("账号"),
    )  # fmt: skip
    polarity = models.CharField(_("情感"), max_length=10, choices=Polarity.choices, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    audit_type = "approval_rule"

    class Meta:
        verbose_name = _("回复审批规则")

    def __str__(self) -> str:
        return f"{self.account_id or '*'}/{self.polarity or '*'}"


class SavedView(models.Model):
    """A user's named inbox filter."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("名称"), max_length=40)
    query = models.CharField(_("筛选条件"), max_length=500)

    class Meta:
        verbose_name = _("保存的视图")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StandardReply(TimeStampedModel):
    """A standard reply (标准化话术): category, text with variables, platform fit, status."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        AVAILABLE = "available", _("可用")
        BLOCKED = "blocked", _("合规未通过")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(
        Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("项目"),
    )  # fmt: skip
    category = models.CharField(_("分类"), max_length=20)
    title = models.CharField(_("标题"), max_length=60)
    text = models.TextField(_("话术"))
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)
    platforms = models.JSONField(_("适用平台"), default=list, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT)
    findings = models.JSONField(default=list, blank=True)
    compliance_note = models.CharField(_("合规说明"), max_length=200, blank=True)
    owner = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("负责人"),
    )  # fmt: skip
    usage_count = models.PositiveIntegerField(_("使用次数"), default=0)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    audit_type = "standard_reply"

    class Meta:
        verbose_name = _("标准话术")
        ordering = ["category", "title", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "title"], name="reply_title_unique")
        ]

    def __str__(self) -> str:
        return self.title


class LexiconTerm(models.Model):
    """A weighted word of the organisation's domain sentiment lexicon (negative weight = 负面)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    word = models.CharField(_("词"), max_length=20)
    weight = models.FloatField(_("权重"))
    category = models.CharField(_("负面类型"), max_length=20, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    audit_type = "lexicon_term"

    class Meta:
        verbose_name = _("领域情感词")
        ordering = ["word"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "word"], name="lexicon_word_unique")
        ]

    def __str__(self) -> str:
        return self.word


class Correction(models.Model):
    """A person's one-click correction of a message's polarity (kept for agreement figures)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="corrections")
    engine_polarity = models.CharField(max_length=10, choices=Polarity.choices)
    polarity = models.CharField(max_length=10, choices=Polarity.choices)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("情感校正")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.engine_polarity}→{self.polarity}"


class Channel(models.Model):
    """A webhook endpoint of an account: 公众号 message push or Douyin events; secrets sealed."""

    class Source(models.TextChoices):
        WECHAT = "wechat", _("公众号消息推送")
        DOUYIN = "douyin", _("抖音 Webhook")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey("matrix.Account", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    slug = models.SlugField(_("回调标识"), max_length=40, unique=True)
    token = models.CharField(_("Token"), max_length=64, blank=True)
    app_id = models.CharField(_("AppID"), max_length=64, blank=True)
    aes_key_sealed = models.TextField(blank=True, editable=False)
    secret_sealed = models.TextField(blank=True, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)

    audit_type = "engagement_channel"

    class Meta:
        verbose_name = _("消息接入")

    def __str__(self) -> str:
        return self.slug


class WebhookEvent(models.Model):
    """A raw webhook delivery, stored before any processing (idempotent on its message id)."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="events")
    external_id = models.CharField(max_length=128)
    body = models.TextField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("回调事件")
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="event_once")
        ]
        indexes = [models.Index(fields=["processed_at"])]

    # --- opinion monitoring --------------------------------------------------------------------

    def __str__(self) -> str:
        return self.external_id


class WatchTerm(models.Model):
    """A watched name or topic (brand, company, project, executive, competitor, sensitive)."""

    class Category(models.TextChoices):
        BRAND = "brand", _("品牌")
        COMPANY = "company", _("公司")
        PROJECT = "project", _("项目")
        EXECUTIVE = "executive", _("高管")
        COMPETITOR = "competitor", _("竞品")
        SENSITIVE = "sensitive", _("敏感话题")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    term = models.CharField(_("监测词"), max_length=40)
    category = models.CharField(_("类别"), max_length=12, choices=Category.choices)
    project = models.ForeignKey(
        Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("项目"),
    )  # fmt: skip
    is_active = models.BooleanField(_("启用"), default=True)

    audit_type = "watch_term"

    class Meta:
        verbose_name = _("监测词")
        ordering = ["category", "term"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "term"], name="watch_term_unique")
        ]

    def __str__(self) -> str:
        return self.term


class Mention(models.Model):
    """A post about us anywhere (vendor export, API); deduplicated by URL or text hash."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(_("来源"), max_length=40)
    url = models.URLField(_("链接"), max_length=500, blank=True)
    author = models.CharField(_("作者"), max_length=100, blank=True)
    author_followers = models.PositiveIntegerField(_("作者粉丝数"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"))
    text = models.TextField(_("内容"))
    dedup_key = models.CharField(max_length=64)
    polarity = models.CharField(_("情感"), max_length=10, choices=Polarity.choices)
    score = models.FloatField(default=0)
    sentiment_words = models.JSONField(default=list, blank=True)
    terms = models.JSONField(_("命中监测词"), default=list, blank=True)
    red_keywords = models.JSONField(_("红色关键词"), default=list, blank=True)
    incident = models.ForeignKey(
        "Incident", on_delete=models.SET_NULL, null=True, blank=True, related_name="mentions"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    audit_type = "mention"

    class Meta:
        verbose_name = _("舆情信息")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "dedup_key"], name="mention_once")
        ]
        indexes = [
            models.Index(fields=["organisation", "-published_at"]),
            models.Index(fields=["organisation", "polarity", "published_at"]),
        ]

    def __str__(self) -> str:
        return self.text[:30]


class TermCount(models.Model):
    """Mentions per watch term and hour (volume and negatives), kept for spike baselines."""

    term = models.ForeignKey(WatchTerm, on_delete=models.CASCADE, related_name="counts")
    hour = models.DateTimeField()
    total = models.PositiveIntegerField(default=0)
    negative = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["term", "hour"], name="term_hour_once")]

    def __str__(self) -> str:
        return f"{self.term_id}@{self.hour:%Y-%m-%d %H}"


class OpinionSettings(models.Model):
    """The organisation's signal thresholds."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="+")
    spike_factor = models.FloatField(_("突增倍数"), default=3.0)
    spike_min_count = models.PositiveIntegerField(_("突增最少条数"), default=10)
    baseline_days = models.PositiveSmallIntegerField(_("基线天数"), default=7)
    burst_count = models.PositiveIntegerField(_("负面集中条数 N"), default=30)
    burst_minutes = models.PositiveIntegerField(_("负面集中窗口 M(分钟)"), default=10)
    big_v_followers = models.PositiveIntegerField(_("大V粉丝阈值"), default=100_000)
    red_keywords = models.CharField(_("红色关键词"), max_length=300, default="维权,烂尾,曝光,起诉")
    auto_open = models.BooleanField(_("信号自动立案"), default=True)

    audit_type = "opinion_settings"

    class Meta:
        verbose_name = _("舆情阈值")

    def __str__(self) -> str:
        return str(self.organisation_id)


class Grade(models.Model):
    """An incident level with its rule and playbook (response time, who to notify)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    level = models.PositiveSmallIntegerField(_("级别"))
    name = models.CharField(_("名称"), max_length=20)
    min_reach = models.PositiveBigIntegerField(_("传播量≥"), null=True, blank=True)
    min_negative = models.PositiveIntegerField(_("负面条数≥"), null=True, blank=True)
    min_negative_share = models.FloatField(_("负面占比≥"), null=True, blank=True)
    red_keyword = models.BooleanField(_("含红色关键词即达"), default=False)
    sources = models.CharField(_("来源包含"), max_length=200, blank=True)
    response_hours = models.FloatField(_("首次响应时限(小时)"))
    notify: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        USER, blank=True, related_name="+", verbose_name=_("通知人")
    )

    audit_type = "incident_grade"

    class Meta:
        verbose_name = _("事件级别")
        ordering = ["level"]
        constraints = [models.UniqueConstraint(fields=["organisation", "level"], name="grade_once")]

    def __str__(self) -> str:
        return self.name


class Signal(models.Model):
    """A reason to look: a spike, a negative burst, a 大V or a red-keyword mention."""

    class Kind(models.TextChoices):
        SPIKE = "spike", _("声量突增")
        BURST = "burst", _("负面集中")
        BIG_V = "big_v", _("大V发声")
        RED = "red", _("红色关键词")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    term = models.ForeignKey(WatchTerm, on_delete=models.SET_NULL, null=True, related_name="+")
    mention = models.ForeignKey(Mention, on_delete=models.SET_NULL, null=True, related_name="+")
    window_key = models.CharField(max_length=80)
    detail = models.CharField(_("说明"), max_length=300)
    count = models.PositiveIntegerField(default=0)
    at = models.DateTimeField()
    incident = models.ForeignKey(
        "Incident", on_delete=models.SET_NULL, null=True, blank=True, related_name="signals"
    )

    class Meta:
        verbose_name = _("舆情信号")
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "window_key"], name="signal_once_per_window"
            )
        ]

    def __str__(self) -> str:
        return self.detail


class Action(models.TextChoices):
    CLARIFY = "clarify", _("澄清说明")
    COMPENSATE = "compensate", _("补偿方案")
    PRIVATE = "private", _("私信沟通")
    TAKE_DOWN = "take_down", _("下线内容")
    LEGAL = "legal", _("法律途径")


class Step(models.TextChoices):
    MONITOR = "monitor", _("监测")
    ASSESS = "assess", _("研判")
    GRADE = "grade", _("分级")
    HANDLE = "handle", _("处置")
    REVIEW = "review", _("复盘")


class Incident(TimeStampedModel):
    """A 舆情事件: graded, owned, handled along the playbook's steps, reviewed at the end."""

    class State(models.TextChoices):
        OPEN = "open", _("处置中")
        CLOSED = "closed", _("已关闭")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("事件"), max_length=100)
    grade = models.ForeignKey(Grade, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("状态"), max_length=8, choices=State.choices, default=State.OPEN)
    step = models.CharField(_("当前环节"), max_length=8, choices=Step.choices, default=Step.MONITOR)
    owner = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("负责人"),
    )  # fmt: skip
    term = models.ForeignKey(WatchTerm, on_delete=models.SET_NULL, null=True, related_name="+")
    first_mention_at = models.DateTimeField(_("首条信息"), null=True, blank=True)
    detected_at = models.DateTimeField(_("发现时间"))
    first_response_due = models.DateTimeField(_("首次响应截止"))
    first_response_at = models.DateTimeField(_("首次响应"), null=True, blank=True)
    statement_at = models.DateTimeField(_("发布声明"), null=True, blank=True)
    peak_at = models.DateTimeField(_("峰值"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    action = models.CharField(_("处置方式"), max_length=12, choices=Action.choices, blank=True)
    lessons = models.TextField(_("经验教训"), blank=True)
    follow_ups = models.TextField(_("改进措施"), blank=True)
    statement_item_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    messages = models.ManyToManyField(Message, blank=True, related_name="incidents")

    audit_type = "incident"

    class Meta:
        verbose_name = _("舆情事件")
        ordering = ["-detected_at", "-id"]

    def __str__(self) -> str:
        return self.title


class IncidentEvent(models.Model):
    """One line of an incident's timeline: a step taken, who, when, what."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    step = models.CharField(_("环节"), max_length=8, choices=Step.choices)
    note = models.CharField(_("说明"), max_length=300)
    by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.note


class ReplyVariable(models.Model):
    """A value for `{变量}` in standard replies, organisation-wide or for one project."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("项目"),
    )  # fmt: skip
    name = models.CharField(_("变量"), max_length=12)
    value = models.CharField(_("取值"), max_length=100)

    audit_type = "reply_variable"

    class Meta:
        verbose_name = _("话术变量")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "project", "name"], name="reply_variable_once"
            )
        ]

    def __str__(self) -> str:
        return self.name


class PullCursor(models.Model):
    """Where the last poll of a platform's comments for an account stopped (e.g. since_id)."""

    account = models.ForeignKey("matrix.Account", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=30)
    cursor = models.CharField(max_length=64, blank=True)
    pulled_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("拉取进度")
        constraints = [
            models.UniqueConstraint(fields=["account", "source"], name="pull_cursor_once")
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.cursor}"
