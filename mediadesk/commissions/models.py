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
from django.utils.translation import gettext_lazy as _

from mediadesk.core.models import TimeStampedModel
from mediadesk.leads.models import Channel, Deal
from mediadesk.orgs.models import Company, Organisation, Project


class Payee(models.TextChoices):
    CHANNEL = "channel", _("渠道佣金（外部渠道付渠道机构，线上渠道付线上主播/顾问）")
    CONSULTANT = "consultant", _("置业顾问佣金")


class Basis(models.TextChoices):
    RATE = "rate", _("按成交金额比例")
    PER_UNIT = "per_unit", _("按套固定金额")


class TierBy(models.TextChoices):
    UNITS = "units", _("按套数")
    AMOUNT = "amount", _("按成交金额")


class TierMode(models.TextChoices):
    WHOLE = "whole", _("全额累进（达到档位后全部按该档）")
    EXCESS = "excess", _("超额累进（仅超出部分按高档）")


class Period(models.TextChoices):
    MONTH = "month", _("月度")
    QUARTER = "quarter", _("季度")


class TierPool(models.TextChoices):
    PERSON = "person", _("按个人业绩")
    TEAM = "team", _("按团队业绩")


class Scheme(TimeStampedModel):
    """A commission scheme (佣金方案) of a project for a channel kind or one channel."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="commission_schemes", verbose_name=_("项目")
    )
    name = models.CharField(_("方案名称"), max_length=60)
    payee = models.CharField(_("佣金对象"), max_length=12, choices=Payee.choices)
    channel_kind = models.CharField(
        _("渠道类型"),
        max_length=12,
        choices=Channel.Kind.choices,
        blank=True,
        help_text=_("留空为基础渠道方案（适用于所有渠道）"),
    )
    channel = models.ForeignKey(
        Channel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("指定渠道"),
        help_text=_("只对这一家渠道生效（优先于渠道类型方案）"),
    )
    basis = models.CharField(_("计佣方式"), max_length=10, choices=Basis.choices)
    tier_by = models.CharField(_("跳点依据"), max_length=8, choices=TierBy.choices, default="units")
    tier_mode = models.CharField(
        _("跳点方式"), max_length=8, choices=TierMode.choices, default="whole"
    )
    tier_period = models.CharField(
        _("跳点周期"), max_length=8, choices=Period.choices, default="month"
    )
    tier_pool = models.CharField(
        _("跳点业绩口径"), max_length=8, choices=TierPool.choices, default="person"
    )
    supervisor_counts = models.BooleanField(
        _("主管带单业绩计入团队跳点"),
        default=True,
        help_text=_("不计入时，主管本人及其带单的成交按主管个人业绩跳点"),
    )
    supervisor_ratio = models.DecimalField(
        _("主管带单顾问分成比例"),
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("如 0.700 表示顾问 7 成、主管 3 成；留空则用项目判客规则中的比例"),
    )
    stage_paid_30 = models.DecimalField(
        _("首付达30%发放(%)"), max_digits=5, decimal_places=2, default=Decimal("70")
    )
    stage_loan = models.DecimalField(
        _("签约+放款发放(%)"), max_digits=5, decimal_places=2, default=Decimal("20")
    )
    stage_handover = models.DecimalField(
        _("交付发放(%)"), max_digits=5, decimal_places=2, default=Decimal("10")
    )
    valid_from = models.DateField(_("生效日期"))
    valid_until = models.DateField(_("截止日期"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    audit_type = "commission_scheme"

    class Meta:
        verbose_name = _("佣金方案")
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
    threshold = models.PositiveBigIntegerField(_("达到(套/分)"), default=0)
    rate = models.DecimalField(
        _("佣金比例(%)"), max_digits=6, decimal_places=3, default=Decimal("0")
    )
    per_unit_fen = models.PositiveBigIntegerField(_("每套金额(分)"), default=0)

    class Meta:
        verbose_name = _("跳点档位")
        ordering = ["scheme", "threshold"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "threshold"], name="scheme_tier_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scheme} ≥{self.threshold}"


class Incentive(TimeStampedModel):
    """An incentive rule (激励): deal-count tiers, a team target bonus or live-session bonuses."""

    class Kind(models.TextChoices):
        DEAL_TIERS = "deal_tiers", _("成交套数阶梯奖（超出目标的套数按档计奖）")
        TEAM_TARGET = "team_target", _("团队目标奖（项目月度套数达标，每人固定奖金）")
        LIVE_SESSION = "live_session", _("直播场次奖（观看或留资达标）")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="+", verbose_name=_("项目")
    )
    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("类型"), max_length=14, choices=Kind.choices)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("适用人员")
    )
    target_units = models.PositiveIntegerField(_("月度目标套数"), default=0)
    channel_kind = models.CharField(
        _("只统计渠道类型"),
        max_length=12,
        choices=Channel.Kind.choices,
        blank=True,
        help_text=_("团队目标奖：只统计该类型渠道的成交，留空统计全部"),
    )
    bonus_fen = models.PositiveBigIntegerField(_("达标奖金(分/人)"), default=0)
    min_viewers = models.PositiveIntegerField(_("观看人数达到"), null=True, blank=True)
    viewers_bonus_fen = models.PositiveBigIntegerField(_("观看达标奖金(分)"), default=0)
    min_leads = models.PositiveIntegerField(_("留资数达到"), null=True, blank=True)
    leads_bonus_fen = models.PositiveBigIntegerField(_("留资达标奖金(分)"), default=0)
    valid_from = models.DateField(_("生效日期"))
    valid_until = models.DateField(_("截止日期"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    audit_type = "commission_incentive"

    class Meta:
        verbose_name = _("激励规则")
        ordering = ["project", "kind", "name"]

    def __str__(self) -> str:
        return self.name


class IncentiveTier(models.Model):
    """Deal-count incentive step: from the n-th unit of the month on, `per_unit_fen` per unit."""

    incentive = models.ForeignKey(Incentive, on_delete=models.CASCADE, related_name="tiers")
    threshold = models.PositiveIntegerField(_("自第N套起"))
    per_unit_fen = models.PositiveBigIntegerField(_("每套奖金(分)"))

    class Meta:
        verbose_name = _("阶梯奖档位")
        ordering = ["incentive", "threshold"]
        constraints = [
            models.UniqueConstraint(fields=["incentive", "threshold"], name="incentive_tier_unique")
        ]

    def __str__(self) -> str:
        return _("%(incentive)s 第%(n)s套起") % {"incentive": self.incentive, "n": self.threshold}


class LiveSessionFigure(TimeStampedModel):
    """A live session's viewers and leads, entered by hand until capability 5 supplies them."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="+", verbose_name=_("项目")
    )
    date = models.DateField(_("直播日期"))
    anchor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("主播")
    )
    viewers = models.PositiveIntegerField(_("观看人数"))
    leads = models.PositiveIntegerField(_("留资数"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    audit_type = "live_figure"

    class Meta:
        verbose_name = _("直播场次数据")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return _("%(date)s %(anchor)s 直播") % {
            "date": f"{self.date:%Y-%m-%d}",
            "anchor": self.anchor,
        }


class Statement(TimeStampedModel):
    """One recipient's commission statement (佣金结算单) for one project and month."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("待审批")
        APPROVED = "approved", _("已审批（锁定）")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("结算月份"), help_text=_("月份的第一天"))
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commission_statements",
        verbose_name=_("人员"),
    )
    channel = models.ForeignKey(
        Channel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("渠道"),
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    total_fen = models.BigIntegerField(_("合计(分)"), default=0)
    settled_at = models.DateTimeField(_("最近结算"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)

    audit_type = "commission_statement"

    class Meta:
        verbose_name = _("佣金结算单")
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
    PAID_30 = "paid_30", _("首付达30%")
    LOAN = "loan", _("签约+放款")
    HANDOVER = "handover", _("交付")


class Line(models.Model):
    """One line of a statement: a stage payment, a clawback, a recalculation, an incentive
    or a manual adjustment. Computed lines are rebuilt while the statement is a draft."""

    class Kind(models.TextChoices):
        STAGE = "stage", _("阶段佣金")
        CLAWBACK = "clawback", _("退房追回")
        RECALC = "recalc", _("跳点重算/补差")
        INCENTIVE = "incentive", _("激励")
        MANUAL = "manual", _("手工调整")

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    deal = models.ForeignKey(
        Deal, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    scheme = models.ForeignKey(
        Scheme, on_delete=models.PROTECT, null=True, blank=True, related_name="lines"
    )
    stage = models.CharField(_("发放节点"), max_length=10, choices=Stage.choices, blank=True)
    incentive = models.ForeignKey(
        Incentive, on_delete=models.PROTECT, null=True, blank=True, related_name="lines"
    )
    live_figure = models.ForeignKey(
        LiveSessionFigure, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    period = models.DateField(_("业绩周期"), null=True, blank=True)
    tier_label = models.CharField(_("档位"), max_length=80, blank=True)
    rate = models.DecimalField(_("比例(%)"), max_digits=6, decimal_places=3, null=True, blank=True)
    share = models.DecimalField(_("分成"), max_digits=4, decimal_places=3, null=True, blank=True)
    deal_commission_fen = models.BigIntegerField(_("该成交应得佣金(分)"), null=True, blank=True)
    amount_fen = models.BigIntegerField(_("金额(分)"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    moved_from = models.ForeignKey(
        Statement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("调整原属的已锁定结算单"),
    )

    audit_type = "commission_line"

    class Meta:
        verbose_name = _("结算明细")
        ordering = ["statement", "kind", "deal", "stage", "id"]
        indexes = [models.Index(fields=["deal", "scheme", "stage"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount_fen}"
