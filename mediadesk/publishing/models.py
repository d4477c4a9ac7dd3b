"""Publishing: account connections (sealed credentials, cached tokens), publish jobs with their
attempts, database token buckets, the 1-hour post-publish check and scheduled metric pulls.

A publish job is one attempt to put one variant on its account. Exactly-once rests on three
things kept here: the job's lease (a worker that dies leaves a lease that runs out), the
`submit_started_at` mark written before any call that can create a post (so a retry always
asks the platform first), and the platform ids stored the moment they are known.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mediadesk.content.models import Asset, Variant
from mediadesk.matrix.models import Account, Platform
from mediadesk.orgs.models import Company, Organisation, Project


class ConnectionStatus(models.TextChoices):
    CONNECTED = "connected", _("已连接")
    EXPIRED = "expired", _("授权已过期")
    BROKEN = "broken", _("连接异常")


class Connection(models.Model):
    """An account's API connection: app id/secret (公众号) or OAuth tokens, sealed at rest."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="connection")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, null=True, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, null=True, related_name="+")
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=ConnectionStatus.choices,
        default=ConnectionStatus.CONNECTED,
    )
    app_id = models.CharField(_("AppID/OpenID"), max_length=120, blank=True)
    secret_sealed = models.TextField(blank=True, editable=False)  # app_secret or access_token
    refresh_sealed = models.TextField(blank=True, editable=False)
    expires_at = models.DateTimeField(_("授权到期"), null=True, blank=True)
    token_sealed = models.TextField(blank=True, editable=False)  # cached 公众号 access_token
    token_expires_at = models.DateTimeField(null=True, blank=True)
    refreshing_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    audit_type = "publishing_connection"

    class Meta:
        verbose_name = _("平台连接")

    def __str__(self) -> str:
        return str(self.account)


class State(models.TextChoices):
    QUEUED = "queued", _("已排期")
    PUBLISHING = "publishing", _("发布中")
    SUBMITTED = "submitted", _("已提交")
    PUBLISHED = "published", _("已发布")
    FAILED = "failed", _("发布失败")
    MANUAL = "manual", _("待人工发布")
    CANCELLED = "cancelled", _("已取消")


ACTIVE_STATES = (State.QUEUED, State.PUBLISHING, State.SUBMITTED, State.MANUAL)


class PublishJob(models.Model):
    """One variant going out on its account, with the approved copy it must send."""

    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="publish_jobs")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, null=True, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, null=True, related_name="+")
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, db_index=True)
    idempotency_key = models.CharField(max_length=64, unique=True)
    revision_number = models.PositiveIntegerField(_("审核修订号"))
    payload = models.JSONField(_("审核通过的内容"))
    scheduled_at = models.DateTimeField(_("计划时间"))
    next_try_at = models.DateTimeField(null=True, blank=True, db_index=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True, db_index=True)
    submit_started_at = models.DateTimeField(null=True, blank=True)
    media_id = models.CharField(max_length=120, blank=True)
    publish_id = models.CharField(max_length=120, blank=True)
    external_id = models.CharField(max_length=120, blank=True)
    url = models.URLField(_("发布链接"), max_length=500, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    error_code = models.CharField(_("错误码"), max_length=60, blank=True)
    error_message = models.CharField(_("错误说明"), max_length=500, blank=True)
    raw_response = models.TextField(blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    withdraw_pending = models.BooleanField(_("待手动删除"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    audit_type = "publish_job"

    class Meta:
        verbose_name = _("发布任务")
        ordering = ["-scheduled_at", "-id"]
        indexes = [
            models.Index(fields=["state", "next_try_at"]),
            models.Index(fields=["organisation", "scheduled_at"]),
            models.Index(fields=["account", "scheduled_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["variant"],
                condition=Q(state__in=["queued", "publishing", "submitted", "manual"]),
                name="publish_job_one_active_per_variant",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.variant_id} {self.state}"

    @property
    def is_package(self) -> bool:
        return self.state == State.MANUAL


class Attempt(models.Model):
    """One try of a job: what was called, what came back."""

    job = models.ForeignKey(PublishJob, on_delete=models.CASCADE, related_name="attempt_rows")
    number = models.PositiveSmallIntegerField()
    worker = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, blank=True)
    error_code = models.CharField(max_length=60, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    raw = models.TextField(blank=True)

    class Meta:
        verbose_name = _("发布尝试")
        ordering = ["job", "number", "id"]

    def __str__(self) -> str:
        return f"{self.job_id}#{self.number} {self.outcome}"


class Material(models.Model):
    """A library asset already uploaded to an account (thumb/image media_id or body image URL)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10)
    media_id = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "asset", "kind"], name="material_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.media_id or self.url}"


class RateBucket(models.Model):
    """A token bucket shared by every worker on every host (per account or per app)."""

    key = models.CharField(max_length=80, unique=True)
    tokens = models.FloatField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.key


class PostCheck(models.Model):
    """The 1-hour post-publish check (发布后1小时检查) of a published job."""

    job = models.OneToOneField(PublishJob, on_delete=models.CASCADE, related_name="post_check")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, null=True, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, null=True, related_name="+")
    due_at = models.DateTimeField(_("检查时间"), db_index=True)
    published_ok = models.BooleanField(_("已发布成功"), default=False)
    link_ok = models.BooleanField(_("链接有效"), default=False)
    media_ok = models.BooleanField(_("图片/视频显示正常"), default=False)
    first_comment_done = models.BooleanField(_("首评/置顶已完成"), default=False)
    prefilled = models.JSONField(default=list)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    audit_type = "post_check"

    class Meta:
        verbose_name = _("发布后检查")
        ordering = ["due_at"]

    def __str__(self) -> str:
        return f"check {self.job_id}"

    @property
    def has_problem(self) -> bool:
        return self.confirmed_at is not None and not all(
            (self.published_ok, self.link_ok, self.media_ok)
        )


class MetricPull(models.Model):
    """A scheduled pull of one post's figures at 1/24/48/72 h after publishing."""

    job = models.ForeignKey(PublishJob, on_delete=models.CASCADE, related_name="pulls")
    hours = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField(db_index=True)
    done_at = models.DateTimeField(null=True, blank=True)
    tries = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "hours"], name="metric_pull_unique")]

    def __str__(self) -> str:
        return f"{self.job_id} +{self.hours}h"
