"""Demo notifications."""

from __future__ import annotations

from typing import Any

from mediadesk.notifications.models import Notification


def load_notifications(*, users: dict[str, Any]) -> None:
    if Notification.objects.exists():
        return
    for username, user in users.items():
        Notification.objects.create(
            recipient=user,
            kind="system.welcome",
            title="欢迎使用 MediaDesk 新媒体运营工作台",
            body="这是演示环境，所有数据均为虚构。",
            url="/",
        )
