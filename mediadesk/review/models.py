"""Three-level review (三级审核): workflows as data, revisions, review runs and their steps.

Submitting an item snapshots it (and its variants) as a revision; a review run walks that
revision through the workflow's ordered steps. One active run per item (DB constraint).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mediadesk.content.models import ContentItem
from mediadesk.orgs.models import Company, Organisation, Project


class Workflow(models.Model):
    """An ordered list of review steps; the default is 一审 → 二审 → 三审."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="workflows"
    )
    name = models.CharField(_("流程名称"), max_length=60)
    form = models.CharField(
        _("适用内容形式"), max_length=16, blank=True, help_text=_("留空则适用于所有内容形式")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    remind_after_hours = models.PositiveSmallIntegerField(
        _("超时催办(小时)"),
        default=24,
        help_text=_("待审核超过该时长的步骤会被标记并再次通知审核人"),
    )

    audit_type = "workflow"

    class Meta:
        verbose_name = _("审核流程")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "form"],
                condition=Q(is_active=True),
                name="workflow_one_active_per_form",
            )
        ]

    def __str__(self) -> str:
        return self.name


class WorkflowStep(models.Model):
    """One step: who may act (role codes held in the item's scope) and when it applies."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("顺序"))
    name = models.CharField(_("步骤"), max_length=40)
    roles = models.JSONField(_("可审核角色"), default=list)
    checklist = models.TextField(_("审核要点"), blank=True)
    only_when_risky = models.BooleanField(
        _("仅高风险时执行"),
        default=False,
        help_text=_("勾选则仅当存在“禁止”级合规问题时执行本步骤"),
    )
    requires_override_for_block = models.BooleanField(
        _("存在禁止级问题时须填写放行理由"), default=False
    )

    class Meta:
        verbose_name = _("审核步骤")
        ordering = ["workflow", "order"]
        constraints = [
            models.UniqueConstraint(fields=["workflow", "order"], name="workflow_step_order")
        ]

    def __str__(self) -> str:
        return self.name


class Revision(models.Model):
    """A snapshot of an item and its variants as submitted; findings stored with it."""

    item = models.ForeignKey(ContentItem, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("修订号"))
    snapshot = models.JSONField(_("快照"))
    findings = models.JSONField(_("合规检查结果"), default=list)
    block_count = models.PositiveIntegerField(_("禁止级问题数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("提交时间"))

    audit_type = "revision"

    class Meta:
        verbose_name = _("修订")
        ordering = ["item", "number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="revision_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item.title} r{self.number}"


class ReviewRun(models.Model):
    """One pass of one revision through a workflow."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("审核中")
        APPROVED = "approved", _("已通过")
        CHANGES = "changes", _("需修改")
        REJECTED = "rejected", _("已驳回")
        CANCELLED = "cancelled", _("已撤销")

    item = models.ForeignKey(
        ContentItem, on_delete=models.CASCADE, related_name="review_runs", verbose_name=_("内容")
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, null=True, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, null=True, related_name="+")
    revision = models.ForeignKey(
        Revision, on_delete=models.PROTECT, related_name="runs", verbose_name=_("修订号")
    )
    workflow = models.ForeignKey(
        Workflow, on_delete=models.PROTECT, related_name="runs", verbose_name=_("审核流程")
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("提交人"),
    )
    started_at = models.DateTimeField(_("提交时间"))
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # An urgent run (e.g. a 舆情 statement) notifies every step's reviewers at once and is
    # reminded after URGENT_REMIND_HOURS instead of the workflow's threshold.
    urgent = models.BooleanField(_("加急"), default=False)

    audit_type = "review_run"

    class Meta:
        verbose_name = _("审核")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["item"], condition=Q(status="active"), name="review_one_active_per_item"
            )
        ]

    def __str__(self) -> str:
        return f"{self.item.title} · {self.get_status_display()}"


class StepState(models.Model):
    """The state of one workflow step within a run."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("未开始")
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("通过")
        CHANGES = "changes", _("需修改")
        REJECTED = "rejected", _("驳回")
        SKIPPED = "skipped", _("跳过")

    run = models.ForeignKey(ReviewRun, on_delete=models.CASCADE, related_name="steps")
    step = models.ForeignKey(WorkflowStep, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(_("顺序"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.WAITING, db_index=True
    )
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    acted_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    comment = models.TextField(_("审核意见"), blank=True)
    override_reason = models.TextField(_("放行理由"), blank=True)
    override_evidence = models.FileField(_("证明材料"), upload_to="review/evidence/", blank=True)
    reminded_at = models.DateTimeField(_("最近催办"), null=True, blank=True)

    audit_type = "review_step"

    class Meta:
        verbose_name = _("审核步骤状态")
        ordering = ["run", "order"]
        constraints = [
            models.UniqueConstraint(fields=["run", "order"], name="step_state_order_unique")
        ]

    def __str__(self) -> str:
        return f"{self.step.name} · {self.get_status_display()}"
