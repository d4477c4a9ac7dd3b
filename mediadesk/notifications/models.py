"""In-app notifications and outbound group robots (企业微信 / 钉钉 / 飞书)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mediadesk.core.models import TimeStampedModel
from mediadesk.orgs.models import Organisation


class Notification(models.Model):
    """One message in a user's notification centre."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=40)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


class Robot(TimeStampedModel):
    """A group robot of the organisation; its webhook URL and signing secret are stored sealed
    (the URL carries the robot's key) and only ever shown masked."""

    class Kind(models.TextChoices):
        WECOM = "wecom", _("企业微信群机器人")
        DINGTALK = "dingtalk", _("钉钉自定义机器人")
        FEISHU = "feishu", _("飞书自定义机器人")

    class Format(models.TextChoices):
        TEXT = "text", _("纯文本")
        RICH = "rich", _("富文本（Markdown/飞书富文本）")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="robots")
    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    webhook_sealed = models.TextField(_("Webhook 地址（加密）"), editable=False)
    webhook_masked = models.CharField(_("Webhook 地址"), max_length=300, editable=False)
    secret_sealed = models.TextField(_("加签密钥（加密）"), blank=True, editable=False)
    keyword = models.CharField(_("自定义关键词"), max_length=40, blank=True)
    fmt = models.CharField(
        _("消息格式"), max_length=10, choices=Format.choices, default=Format.TEXT
    )
    event_kinds = models.JSONField(
        _("订阅的消息类型"), default=list, blank=True, help_text=_("为空表示全部")
    )
    enabled = models.BooleanField(_("启用"), default=True)
    throttled_until = models.DateTimeField(_("限流至"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    audit_type = "robot"

    class Meta:
        verbose_name = _("群机器人")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_secret(self) -> bool:
        return bool(self.secret_sealed)

    def subscribes(self, kind: str) -> bool:
        """True if the robot relays notifications of `kind` (an empty list means every kind)."""
        return not self.event_kinds or kind in self.event_kinds


class RobotDelivery(models.Model):
    """One message to one robot, sent by the background worker with throttling and retries."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("失败")

    robot = models.ForeignKey(
        Robot, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("机器人")
    )
    kind = models.CharField(_("消息类型"), max_length=40)
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("内容"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("最近一次调用"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)

    audit_type = "robot_delivery"

    class Meta:
        verbose_name = _("机器人消息")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["robot", "last_attempt_at"]),
            models.Index(fields=["status", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.robot} · {self.title}"
