"""Shared tables: the audit trail and the periodic-job slot claims."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Adds created/updated times."""

    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class AuditSource(models.TextChoices):
    WEB = "web", _("网页")
    API = "api", "API"
    CLI = "cli", _("命令行")
    TASK = "task", _("后台任务")
    SYSTEM = "system", _("系统")


class AuditEntry(models.Model):
    """One change to one record: who, when, what, before/after. Never edited or deleted."""

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_label = models.CharField(_("操作人"), max_length=150, blank=True)
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("动作"), max_length=64, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=40)
    target_id = models.CharField(_("对象ID"), max_length=64)
    target_label = models.CharField(_("对象"), max_length=200, blank=True)
    changes = models.JSONField(_("变更"), default=dict, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=AuditSource.choices)
    request_id = models.CharField(_("请求ID"), max_length=36, blank=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "-at"])]
        verbose_name = _("审计记录")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target_label}"


class PeriodicRun(models.Model):
    """A claimed slot of a periodic job; the unique row makes each slot run once across workers."""

    class Status(models.TextChoices):
        CLAIMED = "claimed", _("已认领")
        DONE = "done", _("完成")
        FAILED = "failed", _("失败")

    job = models.CharField(max_length=80)
    slot = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CLAIMED)
    worker = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-slot"]
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="periodic_run_once_per_slot")
        ]

    def __str__(self) -> str:
        return f"{self.job}@{self.slot:%Y-%m-%d %H:%M}"


class WorkerBeat(models.Model):
    """A running `mediadesk worker` says it is alive; a worker silent for too long is dead and the
    tasks it was running are given back to the queue (see core/workers.py)."""

    worker = models.CharField(_("工作进程"), max_length=64, primary_key=True)
    started_at = models.DateTimeField(_("启动时间"), default=timezone.now)
    beat_at = models.DateTimeField(_("最近心跳"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("工作进程心跳")

    def __str__(self) -> str:
        return self.worker
