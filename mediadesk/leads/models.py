"""Leads (04-leads.md): customers, touches, channels and brokers, the project rule set,
reports (报备), visits (到访), disputes, referrals, the public pool, follow-up and deals.

Phone is the primary key of a person: one `Customer` per phone per organisation. A
customer's life in one project (owner, stage, attribution, pool) is an `Opportunity`.
Every timestamp that settles an attribution is stored (domain-cn §1.4), never recomputed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.core.audit import StrOrPromise
from mediadesk.core.models import TimeStampedModel
from mediadesk.core.phone import mask as mask_phone
from mediadesk.orgs.models import Company, Organisation, Project


class Source(models.TextChoices):
    """Where a lead was captured (留资来源)."""

    LIVE = "live", gettext_lazy("直播")
    SHORT_VIDEO = "short_video", gettext_lazy("短视频评论/私信")
    OFFICIAL_ACCOUNT = "official_account", gettext_lazy("公众号留言")
    FORM = "form", gettext_lazy("小程序/网页表单")
    CALL_400 = "call_400", gettext_lazy("400电话")
    WECOM_QR = "wecom_qr", gettext_lazy("企业微信渠道活码")
    EVENT = "event", gettext_lazy("线下活动")
    CHANNEL_REPORT = "channel_report", gettext_lazy("渠道报备")
    WALK_IN = "walk_in", gettext_lazy("自然到访")
    REFERRAL = "referral", gettext_lazy("老带新")
    PHONE_APPOINTMENT = "phone_appointment", gettext_lazy("电约")
    KEY_ACCOUNT = "key_account", gettext_lazy("大客户")
    COMMENT = "comment", gettext_lazy("评论")  # 转线索 from the interaction inbox
    PRIVATE_MESSAGE = "private_message", gettext_lazy("私信")


ONLINE_SOURCES = frozenset(
    {
        Source.LIVE,
        Source.SHORT_VIDEO,
        Source.OFFICIAL_ACCOUNT,
        Source.FORM,
        Source.WECOM_QR,
        Source.COMMENT,
        Source.PRIVATE_MESSAGE,
    }
)


class Stage(models.TextChoices):
    NEW = "new", gettext_lazy("新线索")
    CONTACTED = "contacted", gettext_lazy("已联系")
    VISITED = "visited", gettext_lazy("已到访")
    PLEDGED = "pledged", gettext_lazy("认筹")
    SUBSCRIBED = "subscribed", gettext_lazy("认购")
    SIGNED = "signed", gettext_lazy("签约")
    PAID = "paid", gettext_lazy("回款")
    CANCELLED = "cancelled", gettext_lazy("退房")
    INVALID = "invalid", gettext_lazy("无效")
    LOST = "lost", gettext_lazy("丢失")


class Intent(models.TextChoices):
    A = "A", gettext_lazy("A 高意向")
    B = "B", gettext_lazy("B 中意向")
    C = "C", gettext_lazy("C 低意向")
    D = "D", gettext_lazy("D 无意向")


class ResultCode(models.IntegerChoices):
    """判客 result codes (domain-cn §1.4)."""

    OK = 0, gettext_lazy("报备成功")
    GROUP_OWNER = 1, gettext_lazy("集团老业主")
    PROJECT_CUSTOMER = 2, gettext_lazy("项目老客户")
    INTERCEPT = 3, gettext_lazy("不满足防截客条件")
    REPORTED_BY_OTHER = 4, gettext_lazy("已被其他渠道报备")
    VISITED_BY_OTHER = 5, gettext_lazy("已被其他渠道带看")
    PROTECTED = 6, gettext_lazy("处于保护期内")
    VISIT_OVERDUE = 7, gettext_lazy("到访逾期")
    DEAL_OVERDUE = 8, gettext_lazy("成交逾期")
    ALREADY_YOURS = 9, gettext_lazy("已被您报备")
    LOST_ON_SITE = 10, gettext_lazy("在案场跟进过程中丢失")
    PROJECT_OWNER = 11, gettext_lazy("本项目老业主")


class Channel(TimeStampedModel):
    """A lead source organisation (渠道): online team, consultants, agency, referrers, 电约…."""

    class Kind(models.TextChoices):
        ONLINE = "online", gettext_lazy("线上(直播/短视频)")
        CONSULTANT = "consultant", gettext_lazy("置业顾问自拓")
        AGENCY = "agency", gettext_lazy("中介/分销")
        REFERRAL = "referral", gettext_lazy("全民营销/老带新")
        PHONE = "phone", gettext_lazy("电约")
        KEY_ACCOUNT = "key_account", gettext_lazy("大客户")
        NATURAL = "natural", gettext_lazy("自然到访")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="channels"
    )
    name = models.CharField(gettext_lazy("渠道名称"), max_length=60)
    kind = models.CharField(gettext_lazy("类型"), max_length=12, choices=Kind.choices)
    contact_name = models.CharField(gettext_lazy("联系人"), max_length=30, blank=True)
    contact_phone = models.CharField(gettext_lazy("联系电话"), max_length=11, blank=True)
    is_active = models.BooleanField(gettext_lazy("启用"), default=True)

    audit_type = "channel"

    class Meta:
        verbose_name = gettext_lazy("渠道")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="channel_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Broker(TimeStampedModel):
    """An external broker (经纪人) of a channel; logs in to the channel portal only."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="brokers")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="broker"
    )
    is_active = models.BooleanField(gettext_lazy("启用"), default=True)

    audit_type = "broker"

    class Meta:
        verbose_name = gettext_lazy("经纪人")

    def __str__(self) -> str:
        return str(self.user)


class RuleSet(TimeStampedModel):
    """A project's attribution and follow-up rules (defaults from 04-leads.md)."""

    class Mode(models.TextChoices):
        PROTECT = "protect", gettext_lazy("保护带看")
        COMPETE = "compete", gettext_lazy("竞争带看")

    class DealNode(models.TextChoices):
        PLEDGED = "pledged", gettext_lazy("认筹")
        SUBSCRIBED = "subscribed", gettext_lazy("认购")
        SIGNED = "signed", gettext_lazy("签约")

    class Masked(models.TextChoices):
        ALLOWED = "allowed", gettext_lazy("允许隐号报备")
        FORBIDDEN = "forbidden", gettext_lazy("仅全号报备")
        ONLY = "only", gettext_lazy("只允许隐号报备")

    class OldOwners(models.TextChoices):
        NONE = "none", gettext_lazy("不可报备老业主")
        OTHER_PROJECTS = "other_projects", gettext_lazy("仅可报备其他项目老业主")

    class DayCounting(models.TextChoices):
        NATURAL = "natural", gettext_lazy("自然天")
        HOURS_24 = "hours24", gettext_lazy("24小时")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="lead_rules")
    mode = models.CharField(
        gettext_lazy("判客模式"), max_length=10, choices=Mode.choices, default=Mode.PROTECT
    )
    visit_protect_days = models.PositiveSmallIntegerField(gettext_lazy("到访保护期(天)"), default=7)
    deal_protect_days = models.PositiveSmallIntegerField(gettext_lazy("成交保护期(天)"), default=30)
    deal_node = models.CharField(
        gettext_lazy("成交节点"),
        max_length=10,
        choices=DealNode.choices,
        default=DealNode.SUBSCRIBED,
    )
    intercept_minutes = models.PositiveIntegerField(gettext_lazy("防截客时间(分钟)"), default=30)
    masked = models.CharField(
        gettext_lazy("隐号报备"), max_length=10, choices=Masked.choices, default=Masked.ALLOWED
    )
    only_new = models.BooleanField(gettext_lazy("仅可报备新客户"), default=True)
    old_owners = models.CharField(
        gettext_lazy("老业主报备"), max_length=16, choices=OldOwners.choices, default=OldOwners.NONE
    )
    allow_negative_rereport = models.BooleanField(
        gettext_lazy("允许报备判客无效/到访逾期/成交逾期客户"), default=True
    )
    owned_rereport_days = models.PositiveSmallIntegerField(
        gettext_lazy("已有归属客户超过N天未跟进/到访可再报备"), default=30
    )
    daily_report_limit = models.PositiveIntegerField(
        gettext_lazy("每位经纪人每日报备上限"), default=50
    )
    visit_auto_confirm = models.BooleanField(gettext_lazy("到访后自动确客"), default=False)
    revisit_refreshes_deal = models.BooleanField(gettext_lazy("复访刷新成交保护期"), default=True)
    day_counting = models.CharField(
        gettext_lazy("期限计算"),
        max_length=8,
        choices=DayCounting.choices,
        default=DayCounting.NATURAL,
    )
    remind_days_before = models.PositiveSmallIntegerField(
        gettext_lazy("保护期结束前N天提醒"), default=2
    )
    pool_idle_days = models.PositiveSmallIntegerField(gettext_lazy("N天未跟进进入公海"), default=30)
    pool_cooldown_days = models.PositiveSmallIntegerField(
        gettext_lazy("原归属人冷却期(天)"), default=30
    )
    referral_keeps_channel = models.BooleanField(
        gettext_lazy("通盘通客转介保留原渠道归属"), default=True
    )
    first_contact_minutes = models.PositiveIntegerField(
        gettext_lazy("首次联系时限(分钟)"), default=30
    )
    sla_auto_reassign = models.BooleanField(gettext_lazy("超时自动改派"), default=True)
    protected_sources = models.JSONField(
        gettext_lazy("受保护获客方式"),
        default=dict,
        blank=True,
        help_text=gettext_lazy('来源代码 → 保护天数，如 {"phone_appointment": 30, "live": 30}'),
    )
    supervisor_ratio = models.DecimalField(
        gettext_lazy("主管带单顾问分成比例"), max_digits=4, decimal_places=3, default=0.7
    )

    audit_type = "lead_rules"

    class Meta:
        verbose_name = gettext_lazy("项目判客规则")

    def __str__(self) -> str:
        return _("%(project)s · 判客规则") % {"project": self.project}


class ChannelRule(models.Model):
    """Per-channel overrides of a project's periods (null = the project's value)."""

    rules = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="channel_rules")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    visit_protect_days = models.PositiveSmallIntegerField(null=True, blank=True)
    deal_protect_days = models.PositiveSmallIntegerField(null=True, blank=True)
    intercept_minutes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("渠道规则")
        constraints = [
            models.UniqueConstraint(fields=["rules", "channel"], name="channel_rule_unique")
        ]

    def __str__(self) -> str:
        return _("%(channel)s 规则") % {"channel": self.channel}


class Customer(TimeStampedModel):
    """A person, one per mainland mobile number per organisation."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="customers"
    )
    phone = models.CharField(gettext_lazy("手机号"), max_length=11)
    name = models.CharField(gettext_lazy("姓名"), max_length=40, blank=True)
    is_group_owner = models.BooleanField(gettext_lazy("集团老业主"), default=False)
    notes = models.TextField(gettext_lazy("备注"), blank=True)

    audit_type = "customer"

    class Meta:
        verbose_name = gettext_lazy("客户")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "phone"], name="customer_phone_unique")
        ]
        indexes = [models.Index(fields=["organisation", "created_at"])]

    def __str__(self) -> str:
        return self.name or _("客户")


class Team(models.Model):
    """A sales team of a project with its supervisor (主管)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="sales_teams")
    name = models.CharField(gettext_lazy("团队"), max_length=40)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervised_teams"
    )
    is_online = models.BooleanField(gettext_lazy("线上组"), default=False)

    audit_type = "team"

    class Meta:
        verbose_name = gettext_lazy("销售团队")

    def __str__(self) -> str:
        return self.name


class Consultant(models.Model):
    """A consultant's seat in a project: team, duty, allocation weight and daily cap."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="consultants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consultant_seats"
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    on_duty = models.BooleanField(gettext_lazy("在岗"), default=True)
    weight = models.PositiveSmallIntegerField(gettext_lazy("分配权重"), default=1)
    daily_cap = models.PositiveSmallIntegerField(gettext_lazy("每日分配上限"), default=30)
    last_assigned_at = models.DateTimeField(null=True, blank=True, editable=False)

    audit_type = "consultant"

    class Meta:
        verbose_name = gettext_lazy("置业顾问")
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="consultant_seat_unique")
        ]

    def __str__(self) -> str:
        return str(self.user)


class AllocationRule(models.Model):
    """How new leads of a source are allocated in a project."""

    class Strategy(models.TextChoices):
        ROUND_ROBIN = "round_robin", gettext_lazy("轮流分配")
        FEWEST_OPEN = "fewest_open", gettext_lazy("最少在跟优先")
        WEIGHTED = "weighted", gettext_lazy("按权重")
        ONLINE_GROUP = "online_group", gettext_lazy("线上组")
        MANUAL = "manual", gettext_lazy("手动分配")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="allocation_rules")
    source = models.CharField(
        gettext_lazy("来源"), max_length=20, choices=Source.choices, blank=True
    )
    strategy = models.CharField(gettext_lazy("分配策略"), max_length=14, choices=Strategy.choices)

    audit_type = "allocation_rule"

    class Meta:
        verbose_name = gettext_lazy("分配规则")
        constraints = [
            models.UniqueConstraint(fields=["project", "source"], name="allocation_rule_unique")
        ]

    def __str__(self) -> str:
        return self.get_strategy_display()


class Campaign(TimeStampedModel):
    """A capture campaign with a public lead form (page + QR) for a live room or poster."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="lead_campaigns")
    name = models.CharField(gettext_lazy("活动名称"), max_length=60)
    slug = models.SlugField(gettext_lazy("表单地址"), max_length=40, unique=True)
    source = models.CharField(
        gettext_lazy("来源"), max_length=20, choices=Source.choices, default=Source.FORM
    )
    account = models.ForeignKey(
        "matrix.Account", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    content_item = models.ForeignKey(
        "content.ContentItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_active = models.BooleanField(gettext_lazy("启用"), default=True)
    ends_at = models.DateTimeField(gettext_lazy("截止时间"), null=True, blank=True)
    live_session = models.ForeignKey(
        "live.Session",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name=gettext_lazy("直播场次"),
    )

    audit_type = "lead_campaign"

    class Meta:
        verbose_name = gettext_lazy("留资活动")

    def __str__(self) -> str:
        return self.name


class Opportunity(TimeStampedModel):
    """A customer within one project: owner, stage, attribution, pool state, SLA."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="opportunities")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="opportunities")
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opportunities",
        verbose_name=gettext_lazy("置业顾问"),
    )
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True)
    source = models.CharField(gettext_lazy("首次来源"), max_length=20, choices=Source.choices)
    channel = models.ForeignKey(
        Channel,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=gettext_lazy("归属渠道"),
    )
    attributed_report = models.ForeignKey(
        "Report", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source_protected_until = models.DateTimeField(
        gettext_lazy("获客方式保护至"), null=True, blank=True
    )
    stage = models.CharField(
        gettext_lazy("阶段"), max_length=12, choices=Stage.choices, default=Stage.NEW
    )
    stage_reason = models.CharField(gettext_lazy("无效/丢失原因"), max_length=200, blank=True)
    intent = models.CharField(
        gettext_lazy("意向"), max_length=1, choices=Intent.choices, blank=True
    )
    is_owner = models.BooleanField(gettext_lazy("本项目老业主"), default=False)
    assigned_at = models.DateTimeField(gettext_lazy("分配时间"), null=True, blank=True)
    first_contact_due = models.DateTimeField(gettext_lazy("首次联系截止"), null=True, blank=True)
    first_contact_at = models.DateTimeField(gettext_lazy("首次联系时间"), null=True, blank=True)
    sla_breached_at = models.DateTimeField(gettext_lazy("首联超时"), null=True, blank=True)
    escalated_at = models.DateTimeField(gettext_lazy("已上报主管"), null=True, blank=True)
    last_follow_at = models.DateTimeField(gettext_lazy("最近跟进"), null=True, blank=True)
    next_contact_at = models.DateTimeField(gettext_lazy("下次联系"), null=True, blank=True)
    last_visit_at = models.DateTimeField(gettext_lazy("最近到访"), null=True, blank=True)
    in_pool = models.BooleanField(gettext_lazy("在公海"), default=False, db_index=True)
    pooled_at = models.DateTimeField(gettext_lazy("进入公海"), null=True, blank=True)
    pool_reason = models.CharField(gettext_lazy("进入公海原因"), max_length=40, blank=True)
    previous_consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cooldown_until = models.DateTimeField(gettext_lazy("原归属人冷却至"), null=True, blank=True)

    audit_type = "opportunity"

    class Meta:
        verbose_name = gettext_lazy("项目客户")
        constraints = [
            models.UniqueConstraint(fields=["project", "customer"], name="opportunity_unique")
        ]
        indexes = [
            models.Index(fields=["project", "stage"]),
            models.Index(fields=["consultant", "stage"]),
            # a seat's load in one project (allocation: assigned today, open leads); without it
            # PostgreSQL intersects the whole project's rows with the consultant's
            models.Index(fields=["consultant", "project", "assigned_at"], name="opp_seat_load"),
            models.Index(fields=["organisation", "-created_at"]),
            # the lead list: newest first (id breaks ties), optionally filtered by stage
            models.Index(fields=["organisation", "-created_at", "-id"], name="opp_list_newest"),
            models.Index(
                fields=["organisation", "stage", "-created_at", "-id"], name="opp_list_stage"
            ),
            models.Index(
                fields=["first_contact_due"],
                condition=Q(first_contact_at__isnull=True),
                name="opp_sla_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} · {self.project}"


class Touch(models.Model):
    """One capture event of a customer (线索), with where it came from."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="touches")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, null=True, blank=True)
    source = models.CharField(gettext_lazy("来源"), max_length=20, choices=Source.choices)
    channel = models.ForeignKey(Channel, on_delete=models.SET_NULL, null=True, blank=True)
    account = models.ForeignKey(
        "matrix.Account", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    content_item = models.ForeignKey(
        "content.ContentItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    variant = models.ForeignKey(
        "content.Variant", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    live_session = models.ForeignKey(
        "live.Session", on_delete=models.SET_NULL, null=True, blank=True, related_name="touches",
        verbose_name=gettext_lazy("直播场次"),
    )  # fmt: skip
    live_session_label = models.CharField(
        gettext_lazy("直播场次（文本）"), max_length=80, blank=True
    )
    campaign = models.ForeignKey(Campaign, on_delete=models.SET_NULL, null=True, blank=True)
    utm_source = models.CharField(max_length=100, blank=True)
    utm_medium = models.CharField(max_length=100, blank=True)
    utm_campaign = models.CharField(max_length=100, blank=True)
    utm_content = models.CharField(max_length=100, blank=True)
    utm_term = models.CharField(max_length=100, blank=True)
    name = models.CharField(gettext_lazy("留资姓名"), max_length=40, blank=True)
    note = models.TextField(gettext_lazy("备注"), blank=True)
    captured_at = models.DateTimeField(gettext_lazy("留资时间"))
    captured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    audit_type = "touch"

    class Meta:
        verbose_name = gettext_lazy("线索")
        ordering = ["captured_at", "id"]
        indexes = [models.Index(fields=["customer", "captured_at"])]

    def __str__(self) -> str:
        return _("线索 %(source)s") % {"source": self.get_source_display()}


class Report(models.Model):
    """A channel report (报备) of a phone (full or masked) to a project, judged as of its time."""

    class Status(models.TextChoices):
        VALID = "valid", gettext_lazy("报备有效")
        INVALID = "invalid", gettext_lazy("判客无效")
        VISITED = "visited", gettext_lazy("到访有效")
        VISIT_OVERDUE = "visit_overdue", gettext_lazy("到访逾期")
        DEAL_OVERDUE = "deal_overdue", gettext_lazy("成交逾期")
        DEAL = "deal", gettext_lazy("已成交")
        LOST = "lost", gettext_lazy("已丢失")
        DISPUTED = "disputed", gettext_lazy("争议中")
        SUPERSEDED = "superseded", gettext_lazy("他方胜出")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="lead_reports")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="reports")
    broker = models.ForeignKey(Broker, on_delete=models.SET_NULL, null=True, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="reports"
    )
    phone = models.CharField(
        gettext_lazy("报备号码"),
        max_length=11,
        help_text=gettext_lazy("全号，或隐号如 135****5678"),
    )
    phone_prefix = models.CharField(max_length=3)
    phone_suffix = models.CharField(max_length=6)
    is_masked = models.BooleanField(gettext_lazy("隐号报备"), default=False)
    named_consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reported_at = models.DateTimeField(gettext_lazy("报备时间"))
    judged_at = models.DateTimeField(gettext_lazy("判客时间"))
    result_code = models.PositiveSmallIntegerField(
        gettext_lazy("判客结果"), choices=ResultCode.choices
    )
    reason = models.CharField(gettext_lazy("判客说明"), max_length=200, blank=True)
    status = models.CharField(gettext_lazy("状态"), max_length=14, choices=Status.choices)
    protecting = models.BooleanField(
        gettext_lazy("保护中"),
        default=False,
        help_text="a valid full-number report holding protection",
    )
    protect_visit_until = models.DateTimeField(gettext_lazy("到访保护至"), null=True, blank=True)
    protect_deal_until = models.DateTimeField(gettext_lazy("成交保护至"), null=True, blank=True)
    intercept_until = models.DateTimeField(gettext_lazy("防截客截止"), null=True, blank=True)
    first_visit_at = models.DateTimeField(gettext_lazy("首访时间"), null=True, blank=True)
    refreshed_at = models.DateTimeField(gettext_lazy("最后刷新有效期"), null=True, blank=True)
    remind_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    mode = models.CharField(
        gettext_lazy("判客模式"),
        max_length=10,
        choices=RuleSet.Mode.choices,
        default=RuleSet.Mode.PROTECT,
    )
    closed_at = models.DateTimeField(
        gettext_lazy("失效时间"),
        null=True,
        blank=True,
        help_text="when a once-valid report stopped counting (intercepted, overdue, superseded, "
        "lost, deal, dispute); judging as of an earlier time still sees it",
    )

    audit_type = "lead_report"

    class Meta:
        verbose_name = gettext_lazy("报备")
        ordering = ["-reported_at", "-id"]
        constraints = [
            # 保护带看: one protecting report per phone per project, whatever the race.
            models.UniqueConstraint(
                fields=["project", "phone"],
                condition=Q(protecting=True),
                name="report_one_protecting_per_phone",
            )
        ]
        indexes = [
            models.Index(fields=["project", "phone_prefix", "phone_suffix"]),
            models.Index(fields=["customer", "project"]),
            models.Index(fields=["channel", "reported_at"]),
            models.Index(fields=["broker", "reported_at"]),
            # the daily report limit of a reporter without a broker row
            models.Index(fields=["reporter", "project", "broker", "reported_at"]),
        ]

    def __str__(self) -> str:
        return _("报备 %(phone)s") % {"phone": mask_phone(self.phone)}


class PhoneLock(models.Model):
    """A row per (project, first three, last four digits): every claim that could collide on
    a number — full or masked — locks the same row, so judging is serial per number."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    prefix = models.CharField(max_length=3)
    tail = models.CharField(max_length=4)

    class Meta:
        verbose_name = gettext_lazy("号码锁")
        constraints = [
            models.UniqueConstraint(fields=["project", "prefix", "tail"], name="phone_lock_unique")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}****{self.tail}"


class ViewingTrip(models.Model):
    """A viewing trip (带看单, 一带多看): one channel brings customers to one or more projects."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, null=True, blank=True)
    broker = models.ForeignKey(Broker, on_delete=models.SET_NULL, null=True, blank=True)
    trip_at = models.DateTimeField(gettext_lazy("带看时间"))
    note = models.CharField(gettext_lazy("备注"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    audit_type = "viewing_trip"

    class Meta:
        verbose_name = gettext_lazy("带看单")

    def __str__(self) -> str:
        return _("带看单 %(day)s") % {"day": f"{self.trip_at:%Y-%m-%d}"}


class Visit(models.Model):
    """A visit (到访) of a customer to a project's sales office, judged against open reports."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="lead_visits")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="visits")
    trip = models.ForeignKey(
        ViewingTrip, on_delete=models.SET_NULL, null=True, blank=True, related_name="visits"
    )
    channel = models.ForeignKey(Channel, on_delete=models.SET_NULL, null=True, blank=True)
    visited_at = models.DateTimeField(gettext_lazy("到访时间"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(gettext_lazy("确客时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    attributed_report = models.ForeignKey(
        Report, on_delete=models.SET_NULL, null=True, blank=True, related_name="visits"
    )
    result_code = models.PositiveSmallIntegerField(
        gettext_lazy("判客结果"), choices=ResultCode.choices
    )
    reason = models.CharField(gettext_lazy("说明"), max_length=200, blank=True)
    is_first = models.BooleanField(gettext_lazy("首访"), default=True)

    audit_type = "lead_visit"

    class Meta:
        verbose_name = gettext_lazy("到访")
        ordering = ["-visited_at", "-id"]
        indexes = [models.Index(fields=["project", "customer", "visited_at"])]

    def __str__(self) -> str:
        return _("到访 %(at)s") % {"at": f"{self.visited_at:%Y-%m-%d %H:%M}"}


class FollowUp(models.Model):
    """A follow-up record (跟进记录); calls with a duration are 真实沟通记录."""

    class Kind(models.TextChoices):
        CALL = "call", gettext_lazy("电话")
        WECHAT = "wechat", gettext_lazy("微信")
        VISIT = "visit", gettext_lazy("到访接待")
        NOTE = "note", gettext_lazy("备注")

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="follow_ups"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(gettext_lazy("方式"), max_length=8, choices=Kind.choices)
    content = models.TextField(gettext_lazy("内容"))
    at = models.DateTimeField(gettext_lazy("跟进时间"))
    call_seconds = models.PositiveIntegerField(gettext_lazy("通话时长(秒)"), null=True, blank=True)
    next_contact_at = models.DateTimeField(gettext_lazy("下次联系"), null=True, blank=True)
    intent = models.CharField(
        gettext_lazy("意向"), max_length=1, choices=Intent.choices, blank=True
    )

    audit_type = "follow_up"

    class Meta:
        verbose_name = gettext_lazy("跟进记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return self.get_kind_display()


class Dispute(TimeStampedModel):
    """争议判客: colliding claims a manager arbitrates (归属A / 归属B / 分佣 / 均无效)."""

    class Kind(models.TextChoices):
        MASKED = "masked", gettext_lazy("隐号冲突")
        CONSULTANT = "consultant", gettext_lazy("渠道与顾问自拓冲突")
        INTERCEPT = "intercept", gettext_lazy("防截客争议")
        REQUESTED = "requested", gettext_lazy("申请判客")

    class Decision(models.TextChoices):
        A = "a", gettext_lazy("归属A")
        B = "b", gettext_lazy("归属B")
        SPLIT = "split", gettext_lazy("分佣")
        NONE = "none", gettext_lazy("均无效")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="lead_disputes")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, null=True, blank=True)
    kind = models.CharField(gettext_lazy("类型"), max_length=12, choices=Kind.choices)
    report_a = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="+")
    report_b = models.ForeignKey(
        Report, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    consultant_b = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="the consultant whose own earlier contact competes with report A",
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    suggestion = models.CharField(
        gettext_lazy("系统建议"), max_length=5, choices=Decision.choices, blank=True
    )
    suggestion_reason = models.CharField(gettext_lazy("建议理由"), max_length=300, blank=True)
    decision = models.CharField(
        gettext_lazy("裁决"), max_length=5, choices=Decision.choices, blank=True
    )
    share_a = models.DecimalField(
        gettext_lazy("A方分佣比例"), max_digits=4, decimal_places=3, null=True, blank=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(gettext_lazy("裁决时间"), null=True, blank=True)
    reason = models.TextField(gettext_lazy("裁决理由"), blank=True)

    audit_type = "lead_dispute"

    class Meta:
        verbose_name = gettext_lazy("争议判客")
        ordering = ["-created_at"]


class Referral(TimeStampedModel):
    """通盘通客: a customer of one project referred (转介) to another, approved or refused."""

    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("未审核")
        APPROVED = "approved", gettext_lazy("允许")
        REJECTED = "rejected", gettext_lazy("拒绝")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="referrals")
    from_project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    to_project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        gettext_lazy("审核状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    keeps_channel = models.BooleanField(gettext_lazy("保留原渠道归属"), default=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(gettext_lazy("说明"), max_length=200, blank=True)

    audit_type = "lead_referral"

    class Meta:
        verbose_name = gettext_lazy("通盘通客转介")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "to_project"],
                condition=Q(status="pending"),
                name="referral_one_pending",
            )
        ]


class Deal(TimeStampedModel):
    """A deal (成交) on an opportunity: the stage dates commissions are paid against."""

    class Stage(models.TextChoices):
        PLEDGED = "pledged", gettext_lazy("认筹")
        SUBSCRIBED = "subscribed", gettext_lazy("认购")
        SIGNED = "signed", gettext_lazy("签约")
        CANCELLED = "cancelled", gettext_lazy("退房")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="deals")
    opportunity = models.ForeignKey(Opportunity, on_delete=models.PROTECT, related_name="deals")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="deals")
    report = models.ForeignKey(Report, on_delete=models.SET_NULL, null=True, blank=True)
    channel = models.ForeignKey(Channel, on_delete=models.SET_NULL, null=True, blank=True)
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deals"
    )
    co_handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="co_handled_deals",
        verbose_name=gettext_lazy("主管带单"),
    )
    unit_label = models.CharField(gettext_lazy("房号"), max_length=40)
    units = models.PositiveSmallIntegerField(gettext_lazy("套数"), default=1)
    amount_fen = models.PositiveBigIntegerField(gettext_lazy("成交金额(分)"))
    stage = models.CharField(gettext_lazy("阶段"), max_length=10, choices=Stage.choices)
    pledged_at = models.DateTimeField(gettext_lazy("认筹时间"), null=True, blank=True)
    subscribed_at = models.DateTimeField(gettext_lazy("认购时间"), null=True, blank=True)
    signed_at = models.DateTimeField(gettext_lazy("签约时间"), null=True, blank=True)
    paid_30_at = models.DateTimeField(gettext_lazy("首付达30%时间"), null=True, blank=True)
    loan_at = models.DateTimeField(gettext_lazy("合同备案+放款时间"), null=True, blank=True)
    handover_at = models.DateTimeField(gettext_lazy("交付时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(gettext_lazy("退房时间"), null=True, blank=True)

    audit_type = "deal"

    class Meta:
        verbose_name = gettext_lazy("成交")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["consultant", "subscribed_at"])]

    def __str__(self) -> str:
        return f"{self.project} {self.unit_label}"

    @property
    def amount_yuan(self) -> Decimal:
        """The amount in 元 for display (stored in integer fen)."""
        return Decimal(self.amount_fen) / 100

    TIMELINE = (("pledged_at", gettext_lazy("认筹")), ("subscribed_at", gettext_lazy("认购")), ("signed_at", gettext_lazy("签约")),
                ("paid_30_at", gettext_lazy("首付达30%")), ("loan_at", gettext_lazy("合同备案+放款")), ("handover_at", gettext_lazy("交付")),
                ("cancelled_at", gettext_lazy("退房")))  # fmt: skip

    @property
    def timeline(self) -> list[tuple[StrOrPromise, dt.datetime]]:
        """The dates reached so far, in order: (label, when)."""
        return [(label, getattr(self, name)) for name, label in self.TIMELINE
                if getattr(self, name) is not None]  # fmt: skip

    @property
    def amount_label(self) -> str:
        """The amount as shown to people: ¥1,980,000.50."""
        return f"¥{self.amount_yuan:,.2f}"


class FormHit(models.Model):
    """One submission attempt of a public lead form: the DB-backed rate limit (per IP/phone)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    ip = models.GenericIPAddressField(null=True, blank=True)
    phone = models.CharField(max_length=11, blank=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = gettext_lazy("表单提交记录")
        indexes = [models.Index(fields=["ip", "at"]), models.Index(fields=["phone", "at"])]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.at:%Y-%m-%d %H:%M}"
