"""Demo notifications (no demo robots: a demo must never call real internet hosts)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from mediadesk.notifications import queries
from mediadesk.notifications.models import Notification


def load_notifications(*, users: dict[str, Any]) -> None:
    """A welcome (unread) and a read tip for every demo user; robot hints for robot managers."""
    if Notification.objects.exists():
        return
    earlier = timezone.now() - timedelta(days=1)
    rows = []
    for user in users.values():
        rows.append(Notification(
            recipient=user, kind="system.welcome", title="欢迎使用 MediaDesk 新媒体运营工作台",
            body="这是演示环境，所有数据均为虚构。", url="/",
        ))  # fmt: skip
        rows.append(Notification(
            recipient=user, kind="system.welcome", title="通知中心使用提示", created_at=earlier, read_at=earlier,
            body="审核、线索分配、账号负责人变更等需要你处理的事项会出现在这里，顶部铃铛显示未读数量。",
        ))  # fmt: skip
        if queries.can_manage_robots(user):
            rows.append(Notification(
                recipient=user, kind="system.welcome", title="可以把通知转发到企业微信、钉钉或飞书群",
                body="在“群机器人”页面添加机器人的 Webhook 地址，再点“发送测试消息”检查配置。",
                url=reverse("notifications:robots"),
            ))  # fmt: skip
    Notification.objects.bulk_create(rows)
