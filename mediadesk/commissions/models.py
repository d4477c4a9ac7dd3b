"""Commissions and incentives (04-leads.md): schemes with tiers (跳点), incentive rules,
hand-entered live-session figures, and monthly statements with their lines.

Money is integer fen (signed on statement lines: clawbacks are negative); rates are Decimal
percentages. A statement belongs to one recipient (a person, or an external channel) for one
project and month; once approved it is locked and later changes land in a later month.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from mediadesk.core.models import TimeStampedModel
from mediadesk.leads.models import Channel, Deal
from mediadesk.orgs.models import Company, Organisation, Project


class Payee(models.TextChoices):
    CHANNEL = "channel", "渠道佣金（外部渠道付渠道机构，线上渠道付线上主播/顾问）"
    CONSULTANT = "consultant", "置业顾问佣金"


class Basis(models.TextChoices):
    RATE = "rate", "按成交金额比例"
    PER_UNIT = "per_unit", "按套固定金额"


class TierBy(models.TextChoices):
    UNITS = "units", "按套数"
    AMOUNT = "amount", "按成交金额"


class TierMode(models.TextChoices):
    WHOLE = "whole", "全额累进（达到档位后全部按该档）"
    EXCESS = "excess", "超额累进（仅超出部分按高档）"


class Period(models.TextChoices):
    MONTH = "month", "月度"
    QUARTER = "quarter", "季度"


class TierPool(models.TextChoices):
    PERSON = "person", "按个人业绩"
    TEAM = "team", "按团队业绩"


class Scheme(TimeStampedModel):
    """A commission scheme (佣金方案) of a project for a channel kind or one channel."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="commission_schemes", verbose_name="项目"
    )
    name = models.CharField("方案名称", max_length=60)
    payee = models.CharField("佣金对象", max_length=12, choices=Payee.choices)
    channel_kind = models.CharField(
        "渠道类型",
        max_length=12,
        choices=Channel.Kind.choices,
        blank=True,
        help_text="留空为基础渠道方案（适用于所有渠道）",
    )
    channel = models.ForeignKey(
        Channel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="指定渠道",
        help_text="只对这一家渠道生效（优先于渠道类型方案）",
    )
    basis = models.CharField("计佣方式", max_length=10, choices=Basis.choices)
    tier_by = models.CharField("跳点依据", max_length=8, choices=TierBy.choices, default="units")
    tier_mode = models.CharField(
        "跳点方式", max_length=8, choices=TierMode.choices, default="whole"
    )
    tier_period = models.CharField(
        "跳点周期", max_length=8, choices=Period.choices, default="month"
    )
    tier_pool = models.CharField(
        "跳点业绩口径", max_length=8, choices=TierPool.choices, default="person"
    )
    supervisor_counts = models.BooleanField(
        "主管带单业绩计入团队跳点",
        default=True,
        help_text="不计入时，主管本人及其带单的成交按主管个人业绩跳点",
    )
    supervisor_ratio = models.DecimalField(
        "主管带单顾问分成比例",
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        help_text="如 0.700 表示顾问 7 成、主管 3 成；留空则用项目判客规则中的比例",
    )
    stage_paid_30 = models.DecimalField(
        "首付达30%发放(%)", max_digits=5, decimal_places=2, default=Decimal("70")
    )
    stage_loan = models.DecimalField(
        "签约+放款发放(%)", max_digits=5, decimal_places=2, default=Decimal("20")
    )
    stage_handover = models.DecimalField(
        "交付发放(%)", max_digits=5, decimal_places=2, default=Decimal("10")
    )
    valid_from = models.DateField("生效日期")
    valid_until = models.DateField("截止日期", null=True, blank=True)
    is_active = models.BooleanField("启用", default=True)
    note = models.CharField("说明", max_length=200, blank=True)

    audit_type = "commission_scheme"

    class Meta:
        verbose_name = "佣金方案"
        ordering = ["project", "payee", "channel_kind", "-valid_from"]
        indexes = [models.Index(fields=["project", "payee", "is_active"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_online(self) -> bool:
        kind = self.channel.kind if self.channel_id and self.channel else self.channel_kind
        return kind == Channel.Kind.ONLINE

    @property
    def is_base(self) -> bool:
        return not self.channel_kind and self.channel_id is None


class SchemeTier(models.Model):
    """One step of a scheme's tier table; a scheme without 跳点 has a single step from 0."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="tiers")
    threshold = models.PositiveBigIntegerField("达到(套/分)", default=0)
    rate = models.DecimalField("佣金比例(%)", max_digits=6, decimal_places=3, default=Decimal("0"))
    per_unit_fen = models.PositiveBigIntegerField("每套金额(分)", default=0)

    class Meta:
        verbose_name = "跳点档位"
        ordering = ["scheme", "threshold"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "threshold"], name="scheme_tier_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scheme} ≥{self.threshold}"


class Incentive(TimeStampedModel):
    """An incentive rule (激励): deal-count tiers, a team target bonus or live-session bonuses."""

    class Kind(models.TextChoices):
        DEAL_TIERS = "deal_tiers", "成交套数阶梯奖（超出目标的套数按档计奖）"
        TEAM_TARGET = "team_target", "团队目标奖（项目月度套数达标，每人固定奖金）"
        LIVE_SESSION = "live_session", "直播场次奖（观看或留资达标）"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="+", verbose_name="项目"
    )
    name = models.CharField("名称", max_length=60)
    kind = models.CharField("类型", max_length=14, choices=Kind.choices)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", verbose_name="适用人员"
    )
    target_units = models.PositiveIntegerField("月度目标套数", default=0)
    channel_kind = models.CharField(
        "只统计渠道类型",
        max_length=12,
        choices=Channel.Kind.choices,
        blank=True,
        help_text="团队目标奖：只统计该类型渠道的成交，留空统计全部",
    )
    bonus_fen = models.PositiveBigIntegerField("达标奖金(分/人)", default=0)
    min_viewers = models.PositiveIntegerField("观看人数达到", null=True, blank=True)
    viewers_bonus_fen = models.PositiveBigIntegerField("观看达标奖金(分)", default=0)
    min_leads = models.PositiveIntegerField("留资数达到", null=True, blank=True)
    leads_bonus_fen = models.PositiveBigIntegerField("留资达标奖金(分)", default=0)
    valid_from = models.DateField("生效日期")
    valid_until = models.DateField("截止日期", null=True, blank=True)
    is_active = models.BooleanField("启用", default=True)

    audit_type = "commission_incentive"

    class Meta:
        verbose_name = "激励规则"
        ordering = ["project", "kind", "name"]

    def __str__(self) -> str:
        return self.name


class IncentiveTier(models.Model):
    """Deal-count incentive step: from the n-th unit of the month on, `per_unit_fen` per unit."""

    incentive = models.ForeignKey(Incentive, on_delete=models.CASCADE, related_name="tiers")
    threshold = models.PositiveIntegerField("自第N套起")
    per_unit_fen = models.PositiveBigIntegerField("每套奖金(分)")

    class Meta:
        verbose_name = "阶梯奖档位"
        ordering = ["incentive", "threshold"]
        constraints = [
            models.UniqueConstraint(fields=["incentive", "threshold"], name="incentive_tier_unique")
        ]

    def __str__(self) -> str:
        return f"{self.incentive} 第{self.threshold}套起"


class LiveSessionFigure(TimeStampedModel):
    """A live session's viewers and leads, entered by hand until capability 5 supplies them."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="+", verbose_name="项目"
    )
    date = models.DateField("直播日期")
    anchor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="主播"
    )
    viewers = models.PositiveIntegerField("观看人数")
    leads = models.PositiveIntegerField("留资数")
    note = models.CharField("备注", max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    audit_type = "live_figure"

    class Meta:
        verbose_name = "直播场次数据"
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.anchor} 直播"


class Statement(TimeStampedModel):
    """One recipient's commission statement (佣金结算单) for one project and month."""

    class Status(models.TextChoices):
        DRAFT = "draft", "待审批"
        APPROVED = "approved", "已审批（锁定）"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    month = models.DateField("结算月份", help_text="月份的第一天")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commission_statements",
        verbose_name="人员",
    )
    channel = models.ForeignKey(
        Channel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="渠道",
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    total_fen = models.BigIntegerField("合计(分)", default=0)
    settled_at = models.DateTimeField("最近结算", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)

    audit_type = "commission_statement"

    class Meta:
        verbose_name = "佣金结算单"
        ordering = ["-month", "project", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=True) ^ Q(channel__isnull=True),
                name="statement_one_recipient",
            ),
            models.UniqueConstraint(
                fields=["project", "month", "person"],
                condition=Q(person__isnull=False),
                name="statement_person_unique",
            ),
            models.UniqueConstraint(
                fields=["project", "month", "channel"],
                condition=Q(channel__isnull=False),
                name="statement_channel_unique",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "month", "status"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.recipient_label} · {self.project}"

    @property
    def recipient_label(self) -> str:
        if self.person_id and self.person:
            return self.person.label
        return str(self.channel) if self.channel_id else ""

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.APPROVED


class Stage(models.TextChoices):
    PAID_30 = "paid_30", "首付达30%"
    LOAN = "loan", "签约+放款"
    HANDOVER = "handover", "交付"


class Line(models.Model):
    """One line of a statement: a stage payment, a clawback, a recalculation, an incentive
    or a manual adjustment. Computed lines are rebuilt while the statement is a draft."""

    class Kind(models.TextChoices):
        STAGE = "stage", "阶段佣金"
        CLAWBACK = "clawback", "退房追回"
        RECALC = "recalc", "跳点重算/补差"
        INCENTIVE = "incentive", "激励"
        MANUAL = "manual", "手工调整"

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    deal = models.ForeignKey(
        Deal, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    scheme = models.ForeignKey(
        Scheme, on_delete=models.PROTECT, null=True, blank=True, related_name="lines"
    )
    stage = models.CharField("发放节点", max_length=10, choices=Stage.choices, blank=True)
    incentive = models.ForeignKey(
        Incentive, on_delete=models.PROTECT, null=True, blank=True, related_name="lines"
    )
    live_figure = models.ForeignKey(
        LiveSessionFigure, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    period = models.DateField("业绩周期", null=True, blank=True)
    tier_label = models.CharField("档位", max_length=80, blank=True)
    rate = models.DecimalField("比例(%)", max_digits=6, decimal_places=3, null=True, blank=True)
    share = models.DecimalField("分成", max_digits=4, decimal_places=3, null=True, blank=True)
    deal_commission_fen = models.BigIntegerField("该成交应得佣金(分)", null=True, blank=True)
    amount_fen = models.BigIntegerField("金额(分)")
    note = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    moved_from = models.ForeignKey(
        Statement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="调整原属的已锁定结算单",
    )

    audit_type = "commission_line"

    class Meta:
        verbose_name = "结算明细"
        ordering = ["statement", "kind", "deal", "stage", "id"]
        indexes = [models.Index(fields=["deal", "scheme", "stage"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount_fen}"
