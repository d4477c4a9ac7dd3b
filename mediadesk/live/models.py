"""Live-streaming operations: recurring slots, sessions with offers, checklist, run-of-show,
话术 library, figures and the post-live review."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mediadesk.core.models import TimeStampedModel
from mediadesk.orgs.models import Company, Organisation, Project


class SessionType(models.TextChoices):
    PROMO = "promo", _("促销直播")
    ONSITE = "onsite", _("实景直播")
    FORUM = "forum", _("大咖论坛")
    BRAND = "brand", _("品牌直播")
    LEADER = "leader", _("城市负责人专场")


class Status(models.TextChoices):
    PLANNED = "planned", _("计划中")
    PREPARING = "preparing", _("准备中")
    LIVE = "live", _("直播中")
    ENDED = "ended", _("已结束")
    REVIEWED = "reviewed", _("已复盘")
    CANCELLED = "cancelled", _("已取消")


class Option(TimeStampedModel):
    """An entry of an organisation's editable list: a session type or a 话术 category.

    Records keep the option's `code`; the built-in codes (SessionType, Script.Category) are
    the defaults every organisation starts with, and retired options stay for old records.
    """

    class Kind(models.TextChoices):
        SESSION_TYPE = "session_type", _("场次类型")
        SCRIPT_CATEGORY = "script_category", _("话术类别")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("列表"), max_length=20, choices=Kind.choices)
    code = models.CharField(_("代码"), max_length=12)
    label = models.CharField(_("名称"), max_length=30)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    audit_type = "live_option"

    class Meta:
        verbose_name = _("直播选项")
        ordering = ["kind", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "code"], name="live_option_unique"
            )
        ]

    def __str__(self) -> str:
        return self.label


class RecurringSlot(TimeStampedModel):
    """A weekly live slot of an account (weekdays 0=Mon … 6=Sun, start–end)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(
        "matrix.Account", on_delete=models.CASCADE, related_name="live_slots"
    )
    weekdays = models.CharField(_("星期"), max_length=20, default="0,2,4")
    start = models.TimeField(_("开始时间"))
    end = models.TimeField(_("结束时间"))
    type = models.CharField(_("场次类型"), max_length=12, default=SessionType.PROMO)
    anchors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    audit_type = "live_slot"

    class Meta:
        verbose_name = _("直播固定时段")

    def __str__(self) -> str:
        return f"{self.account_id} {self.weekdays} {self.start:%H:%M}"


class Session(TimeStampedModel):
    """One live session (直播场次)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, null=True, related_name="+")
    project = models.ForeignKey(
        Project,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("项目"),
    )
    account = models.ForeignKey(
        "matrix.Account",
        on_delete=models.PROTECT,
        related_name="live_sessions",
        verbose_name=_("直播账号"),
    )
    type = models.CharField(_("场次类型"), max_length=12, default=SessionType.PROMO)
    anchors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="live_sessions", verbose_name=_("主播")
    )
    guest = models.CharField(_("嘉宾"), max_length=60, blank=True)
    title = models.CharField(_("直播标题"), max_length=60)
    theme = models.CharField(_("主题"), max_length=120, blank=True)
    script = models.TextField(_("脚本"), blank=True)
    cover = models.ImageField(_("封面"), upload_to="live/covers/", blank=True)
    cover_width = models.PositiveIntegerField(null=True, blank=True)
    cover_height = models.PositiveIntegerField(null=True, blank=True)
    planned_start = models.DateTimeField(_("计划开始"), db_index=True)
    planned_end = models.DateTimeField(_("计划结束"))
    actual_start = models.DateTimeField(_("实际开始"), null=True, blank=True)
    actual_end = models.DateTimeField(_("实际结束"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.PLANNED, db_index=True
    )
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    target_viewers = models.PositiveIntegerField(_("目标观看人数"), null=True, blank=True)
    target_peak = models.PositiveIntegerField(_("目标最高在线"), null=True, blank=True)
    target_leads = models.PositiveIntegerField(_("目标留资"), null=True, blank=True)
    target_followers = models.PositiveIntegerField(_("目标新增粉丝"), null=True, blank=True)
    warmup_item = models.ForeignKey(
        "content.ContentItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    console_notes = models.TextField(_("控制台备注"), blank=True)
    compliance_override = models.CharField(_("合规放行理由"), max_length=200, blank=True)
    scripts = models.ManyToManyField(
        "live.Script", blank=True, related_name="sessions", verbose_name=_("本场话术")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    audit_type = "live_session"

    class Meta:
        verbose_name = _("直播场次")
        ordering = ["planned_start", "id"]
        indexes = [models.Index(fields=["account", "planned_start"])]

    def __str__(self) -> str:
        return f"{self.planned_start:%m-%d %H:%M} {self.title}"


class Offer(models.Model):
    """A 特价房源 featured in a session."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="offers")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    unit = models.CharField(_("楼栋/房号"), max_length=60)
    area = models.DecimalField(_("面积(㎡)"), max_digits=8, decimal_places=2)
    list_price = models.PositiveIntegerField(_("原价(元)"))
    offer_price = models.PositiveIntegerField(_("特价(元)"))
    quantity = models.PositiveIntegerField(_("套数"), default=1)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)

    class Meta:
        verbose_name = _("特价房源")

    def __str__(self) -> str:
        return f"{self.unit} ¥{self.offer_price}"


class ChecklistItem(models.Model):
    """One item of the pre-live SOP checklist, automatic or confirmed by a person."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="checklist")
    code = models.CharField(max_length=20)
    auto = models.BooleanField(default=True)
    done = models.BooleanField(default=False)
    due_at = models.DateTimeField()
    detail = models.CharField(max_length=200, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "code"], name="live_checklist_unique")
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return self.code


class Stage(models.Model):
    """One stage of a session's run-of-show (a copy of the type's template)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="stages")
    order = models.PositiveSmallIntegerField()
    name = models.CharField(_("环节"), max_length=40)
    minutes = models.PositiveIntegerField(_("时长(分钟)"))
    goal = models.CharField(_("目标"), max_length=200, blank=True)
    text = models.TextField(_("内容/话术"), blank=True)

    class Meta:
        ordering = ["order"]

    def __str__(self) -> str:
        return self.name


class Script(TimeStampedModel):
    """A 话术 of the library; 可用 only once the compliance checker passes it."""

    class Category(models.TextChoices):
        OPENING = "opening", _("开场话术")
        RETAIN = "retain", _("留人话术")
        PRODUCT = "product", _("产品话术")
        INTERACT = "interact", _("互动话术")
        FOLLOW = "follow", _("关注加粉丝团话术")
        LEADS = "leads", _("留资话术")

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        USABLE = "usable", _("可用")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, null=True, blank=True)
    category = models.CharField(_("类别"), max_length=12)
    text = models.TextField(_("话术"))
    tags = models.CharField(_("标签"), max_length=200, blank=True)
    state = models.CharField(_("状态"), max_length=8, choices=State.choices, default=State.DRAFT)
    override_reason = models.CharField(_("法务放行理由"), max_length=200, blank=True)
    usage_count = models.PositiveIntegerField(_("使用次数"), default=0)
    rating_sum = models.PositiveIntegerField(default=0)
    rating_count = models.PositiveIntegerField(default=0)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    audit_type = "live_script"

    class Meta:
        verbose_name = _("话术")
        ordering = ["category", "-usage_count", "id"]

    def __str__(self) -> str:
        return self.text[:30]

    @property
    def rating(self) -> float | None:
        return round(self.rating_sum / self.rating_count, 1) if self.rating_count else None


FIGURE_FIELDS = (
    "viewers",
    "views",
    "peak_online",
    "avg_online",
    "avg_watch_seconds",
    "new_followers",
    "fan_club_joins",
    "commenters",
    "comments",
    "likes",
    "shares",
    "leads",
)


class Figures(models.Model):
    """A session's figures (null = unknown); 观看人数 (UV) and 观看人次 (PV) apart."""

    session = models.OneToOneField(Session, on_delete=models.CASCADE, related_name="figures")
    viewers = models.PositiveIntegerField(_("观看人数"), null=True)
    views = models.PositiveIntegerField(_("观看人次"), null=True)
    peak_online = models.PositiveIntegerField(_("最高在线"), null=True)
    avg_online = models.PositiveIntegerField(_("平均在线"), null=True)
    avg_watch_seconds = models.PositiveIntegerField(_("人均观看时长(秒)"), null=True)
    new_followers = models.PositiveIntegerField(_("新增粉丝"), null=True)
    fan_club_joins = models.PositiveIntegerField(_("加入粉丝团"), null=True)
    commenters = models.PositiveIntegerField(_("评论人数"), null=True)
    comments = models.PositiveIntegerField(_("评论次数"), null=True)
    likes = models.PositiveIntegerField(_("点赞"), null=True)
    shares = models.PositiveIntegerField(_("分享"), null=True)
    leads = models.PositiveIntegerField(_("留资"), null=True)
    extra = models.JSONField(default=dict, blank=True)
    online_curve = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=12, default="api")
    updated_at = models.DateTimeField(auto_now=True)

    audit_type = "live_figures"

    def __str__(self) -> str:
        return f"figures of {self.session_id}"


class Review(models.Model):
    """The post-live review (直播复盘)."""

    session = models.OneToOneField(Session, on_delete=models.CASCADE, related_name="review")
    worked = models.TextField(_("做得好的"), blank=True)
    problems = models.TextField(_("问题"), blank=True)
    actions = models.TextField(_("改进措施"), blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"review of {self.session_id}"


class ReviewAction(models.Model):
    """An improvement action of a post-live review, with owner and due date; it is a task on
    the owner's planning board until closed (planning.generators.live)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="action_items")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="review_actions")
    text = models.CharField(_("改进措施"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("负责人"),
    )  # fmt: skip
    due_at = models.DateTimeField(_("截止时间"))
    done = models.BooleanField(_("已完成"), default=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    audit_type = "live_review_action"

    class Meta:
        verbose_name = _("复盘改进措施")
        ordering = ["done", "due_at", "id"]

    def __str__(self) -> str:
        return self.text


class FiguresPull(models.Model):
    """The T+1 pull of a session's figures from the platform (Douyin live-room data)."""

    class State(models.TextChoices):
        WAITING = "waiting", _("等待数据")
        DONE = "done", _("已拉取")
        NO_SCOPE = "no_scope", _("未获授权")
        FAILED = "failed", _("拉取失败")

    session = models.OneToOneField(Session, on_delete=models.CASCADE, related_name="pull")
    room_id = models.CharField(max_length=60, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    pulled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"pull of {self.session_id}"
