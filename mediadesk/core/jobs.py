"""Periodic jobs of the core."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy

from mediadesk.core.periodic import periodic


@periodic("core.prune_login_attempts", every=timedelta(hours=1), label="清理过期的登录失败记录")
def prune_login_attempts(slot: datetime) -> int:
    from mediadesk.orgs.models import LoginAttempt

    deleted, _ = LoginAttempt.objects.filter(at__lt=slot - timedelta(days=1)).delete()
    return deleted


@periodic(
    "core.recover_tasks",
    every=timedelta(minutes=1),
    label=gettext_lazy("收回已停止的工作进程手中的任务"),
)
def recover_tasks(slot: datetime) -> dict[str, int]:
    from mediadesk.core import workers

    return workers.recover()
