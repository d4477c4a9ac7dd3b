"""Goals with key results over the metric catalogue, manual values, tasks, agenda checks."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mediadesk.orgs.models import Company, Organisation, Project


class Level(models.TextChoices):
    ORGANISATION = "organisation", _("集团")
    COMPANY = "company", _("公司")
    PROJECT = "project", _("项目")
    TEAM = "team", _("团队")
    PERSON = "person", _("个人")
    ACCOUNT = "account", _("账号/栏目")


class Horizon(models.TextChoices):
    SHORT = "short", _("短期 1–3 个月")
    MID = "mid", _("中期 3–12 个月")
    LONG = "long", _("长期 1–3 年")
    CUSTOM = "custom", _("自定义")


class Progress(models.TextChoices):
    NOT_STARTED = "not_started", _("未开始")
    ON_TRACK = "on_track", _("进行中")
    AT_RISK = "at_risk", _("有风险")
    ACHIEVED = "achieved", _("已达成")
    MISSED = "missed", _("未达成")
    EXCEEDED = "exceeded", _("超额达成")


class Goal(models.Model):
    """A SMART goal in the tree (long → mid → short → team → person) with key results."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, null=True, blank=True)
    project = models.ForeignKey(Project, on_delete=models.PROTECT, null=True, blank=True)
    name = models.CharField(_("目标名称"), max_length=120)
    level = models.CharField(_("层级"), max_length=14, choices=Level.choices)
    horizon = models.CharField(
        _("周期"), max_length=8, choices=Horizon.choices, default=Horizon.CUSTOM
    )
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("负责人"),
    )
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children"
    )
    top_level_reason = models.CharField(_("顶层目标说明"), max_length=200, blank=True)
    rate = models.DecimalField(_("达成率"), max_digits=12, decimal_places=4, null=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Progress.choices, default=Progress.NOT_STARTED
    )
    warnings = models.JSONField(_("SMART 提示"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    audit_type = "goal"

    class Meta:
        verbose_name = _("目标")
        ordering = ["start", "id"]
        indexes = [models.Index(fields=["organisation", "end"])]

    def __str__(self) -> str:
        return self.name


class KeyResult(models.Model):
    """One metric + target + baseline + scope + period of a goal, with its computed progress."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="key_results")
    metric = models.CharField(_("指标"), max_length=40)
    target = models.DecimalField(_("目标值"), max_digits=18, decimal_places=4)
    baseline = models.DecimalField(_("基线"), max_digits=18, decimal_places=4, default=Decimal(0))
    scope = models.JSONField(_("范围"), default=dict, blank=True)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    weight = models.DecimalField(_("权重"), max_digits=6, decimal_places=2, default=Decimal(1))
    actual = models.DecimalField(_("实际值"), max_digits=18, decimal_places=4, null=True)
    rate = models.DecimalField(_("达成率"), max_digits=12, decimal_places=4, null=True)
    projected = models.DecimalField(_("预计期末值"), max_digits=18, decimal_places=4, null=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Progress.choices, default=Progress.NOT_STARTED
    )
    computed_at = models.DateTimeField(null=True)

    audit_type = "key_result"

    class Meta:
        verbose_name = _("关键结果")
        ordering = ["goal_id", "id"]
        indexes = [models.Index(fields=["metric"])]

    def __str__(self) -> str:
        return f"{self.goal} · {self.metric}"


class ManualValue(models.Model):
    """A manually entered figure of a manual key result, with its date and evidence."""

    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="values")
    value = models.DecimalField(_("数值"), max_digits=18, decimal_places=4)
    at = models.DateField(_("日期"))
    evidence_url = models.URLField(_("证明链接"), blank=True)
    evidence = models.FileField(_("证明文件"), upload_to="planning/evidence/", blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now_add=True)

    audit_type = "manual_value"

    class Meta:
        verbose_name = _("手工指标值")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.value} @ {self.at}"


class Task(models.Model):
    """A task, by hand or generated from a record (`source` + `source_key`), in a quadrant."""

    class Status(models.TextChoices):
        OPEN = "open", _("待办")
        DONE = "done", _("已完成")
        CANCELLED = "cancelled", _("已取消")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("标题"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("负责人"),
    )
    due_at = models.DateTimeField(_("截止时间"), null=True, blank=True)
    important = models.BooleanField(_("重要"), default=False)
    urgent = models.BooleanField(_("紧急"), default=False)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    source = models.CharField(_("来源"), max_length=30, default="manual")
    source_key = models.CharField(max_length=80, blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    goal = models.ForeignKey(Goal, on_delete=models.SET_NULL, null=True, blank=True)
    minutes = models.PositiveSmallIntegerField(_("预计用时(分钟)"), default=30)
    checklist = models.JSONField(_("检查项"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    audit_type = "task"

    class Meta:
        verbose_name = _("任务")
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["owner", "status", "due_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["source_key", "owner"],
                condition=~models.Q(source_key=""),
                name="task_generated_once",
            )
        ]

    def __str__(self) -> str:
        return self.title


class AgendaCheck(models.Model):
    """ "Confirm today's publishing": the day's plan was checked by this user."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("日期"))
    posts = models.PositiveIntegerField(_("当日发布数"), default=0)
    confirmed_at = models.DateTimeField(auto_now_add=True)

    audit_type = "agenda_check"

    class Meta:
        verbose_name = _("今日发布确认")
        constraints = [models.UniqueConstraint(fields=["user", "date"], name="agenda_check_once")]

    def __str__(self) -> str:
        return f"{self.user} {self.date}"


class Scorecard(models.Model):
    """A person's monthly KPI scorecard: computed values with their records, manual scores,
    self-assessment; the manager's sign-off locks it (later changes become adjustments)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("人员")
    )
    month = models.DateField(_("月份"), help_text=_("当月 1 日"))
    role = models.CharField(_("岗位"), max_length=20)
    lines = models.JSONField(_("指标"), default=list)
    total = models.DecimalField(_("总分"), max_digits=8, decimal_places=2, default=Decimal(0))
    self_assessment = models.TextField(_("自评"), blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(_("签核时间"), null=True, blank=True)

    audit_type = "scorecard"

    class Meta:
        verbose_name = _("绩效考核表")
        ordering = ["-month", "-total", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "month"], name="scorecard_once_a_month")
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.month:%Y-%m}"


class ScorecardAdjustment(models.Model):
    """A change to a signed scorecard, kept beside it (the signed figures stay as signed)."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="adjustments")
    indicator = models.CharField(_("指标"), max_length=40)
    score = models.DecimalField(_("调整后得分"), max_digits=8, decimal_places=2)
    reason = models.CharField(_("原因"), max_length=200)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    audit_type = "scorecard_adjustment"

    class Meta:
        verbose_name = _("考核调整")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.scorecard} {self.indicator}"


class PhasePlan(models.Model):
    """A 阶段规划: phases with dates, goals, milestones (the `001_…` three-phase template)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("规划名称"), max_length=120)
    start = models.DateField(_("开始日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    audit_type = "phase_plan"

    class Meta:
        verbose_name = _("阶段规划")
        ordering = ["-start", "-id"]

    def __str__(self) -> str:
        return self.name


class Phase(models.Model):
    """One phase of a plan (e.g. 短期：体系搭建与冷启动) with its dates and optional goal."""

    plan = models.ForeignKey(PhasePlan, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField(default=1)
    name = models.CharField(_("阶段"), max_length=120)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    goal = models.ForeignKey(
        Goal, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("阶段目标")
    )

    audit_type = "phase"

    class Meta:
        verbose_name = _("阶段")
        ordering = ["plan_id", "order", "id"]

    def __str__(self) -> str:
        return self.name


class Milestone(models.Model):
    """A milestone: measured ones (metric ≥ target) are checked from data; the others are
    ticked by their owner with evidence."""

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("里程碑"), max_length=200)
    metric = models.CharField(_("指标"), max_length=40, blank=True)
    target = models.DecimalField(
        _("目标值"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    per_month = models.BooleanField(_("按月衡量"), default=False)
    value = models.DecimalField(_("当前值"), max_digits=18, decimal_places=4, null=True)
    checked_at = models.DateTimeField(_("数据检查时间"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    evidence_url = models.URLField(_("证明链接"), blank=True)

    audit_type = "milestone"

    class Meta:
        verbose_name = _("里程碑")
        ordering = ["phase_id", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def measured(self) -> bool:
        return bool(self.metric)


class PdcaCycle(models.Model):
    """A PDCA cycle over a goal or campaign: Plan (notes, carried decisions), Do and Check
    filled from the data, Act = decisions that create tasks and carry to the next cycle."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("周期名称"), max_length=120)
    goal = models.ForeignKey(
        Goal, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("关联目标")
    )
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    plan_notes = models.TextField(_("计划"), blank=True)
    previous = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="next_cycles"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    audit_type = "pdca_cycle"

    class Meta:
        verbose_name = _("PDCA 周期")
        ordering = ["-start", "-id"]

    def __str__(self) -> str:
        return self.name


class Decision(models.Model):
    """An Act decision of a cycle (or a meeting); it can create a task for its owner."""

    class Kind(models.TextChoices):
        MORE_TOPIC = "more_topic", _("增加某类主题占比")
        LESS_TOPIC = "less_topic", _("减少某类主题占比")
        PLATFORM = "platform", _("加大某平台投入")
        PROCESS = "process", _("流程优化")
        OTHER = "other", _("其他")

    cycle = models.ForeignKey(
        PdcaCycle, on_delete=models.CASCADE, null=True, blank=True, related_name="decisions"
    )
    meeting = models.ForeignKey(
        "Meeting", on_delete=models.CASCADE, null=True, blank=True, related_name="decisions"
    )
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, default=Kind.OTHER)
    text = models.CharField(_("决定"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("负责人"),
    )  # fmt: skip
    due = models.DateField(_("完成期限"), null=True, blank=True)
    task = models.ForeignKey(Task, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    audit_type = "decision"

    class Meta:
        verbose_name = _("决定")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text


class Meeting(models.Model):
    """A meeting record (周例会, 月度复盘) with attendees, the agenda from the current cycle,
    notes, decisions and action items that become tasks."""

    class Kind(models.TextChoices):
        WEEKLY = "weekly", _("周例会")
        MONTHLY = "monthly", _("月度复盘会")
        OTHER = "other", _("其他会议")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices, default=Kind.WEEKLY)
    title = models.CharField(_("会议主题"), max_length=120)
    held_on = models.DateField(_("会议日期"))
    cycle = models.ForeignKey(
        PdcaCycle, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("PDCA 周期")
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("参会人")
    )
    agenda = models.TextField(_("议程"), blank=True)
    notes = models.TextField(_("纪要"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    audit_type = "meeting"

    class Meta:
        verbose_name = _("会议记录")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.title
